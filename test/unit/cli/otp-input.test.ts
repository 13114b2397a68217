import { PassThrough } from 'node:stream';
import { InvalidInputError } from '../../../src/contract';
import { OTP_PROMPT, readOtp } from '../../../src/cli/otp-input';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

/** A stream that says it is a terminal and records raw-mode switches, as a TTY ReadStream does. */
function fakeTerminal() {
  const input = Object.assign(new PassThrough(), {
    isTTY: true,
    rawModes: [] as boolean[],
    setRawMode(mode: boolean) {
      input.rawModes.push(mode);
      return input;
    },
  });
  return input;
}

describe('readOtp', () => {
  it('reads the first line of piped stdin, without a prompt', async () => {
    const input = new PassThrough();
    const prompt = capture();
    input.end('123456\nsecond line\n');
    await expect(readOtp({ input, prompt: prompt.stream })).resolves.toBe('123456');
    expect(prompt.text()).toBe('');
  });

  it('takes a last line without a newline (printf 123456 | eko-refund otp <tid>)', async () => {
    const input = new PassThrough();
    input.end('0123');
    await expect(readOtp({ input, prompt: capture().stream })).resolves.toBe('0123');
  });

  it('fails naming the problem when stdin ends without a line', async () => {
    const input = new PassThrough();
    input.end();
    const read = readOtp({ input, prompt: capture().stream });
    await expect(read).rejects.toThrow(InvalidInputError);
    await expect(read).rejects.toThrow(/no OTP on stdin/);
  });

  it('on a terminal: prompts, turns echo off while the OTP is typed, and never writes it back', async () => {
    const input = fakeTerminal();
    const prompt = capture();
    const read = readOtp({ input, prompt: prompt.stream });
    expect(input.rawModes).toEqual([true]);
    input.write('65');
    input.write('4321\r');
    await expect(read).resolves.toBe('654321');
    expect(input.rawModes).toEqual([true, false]);
    expect(prompt.text()).toBe(`${OTP_PROMPT}\n`);
  });

  it('on a terminal: Ctrl-C ends the prompt with nothing sent', async () => {
    const input = fakeTerminal();
    const read = readOtp({ input, prompt: capture().stream });
    input.write('12\x03');
    await expect(read).rejects.toThrow(/no OTP entered; nothing was sent/);
    expect(input.rawModes.at(-1)).toBe(false);
  });
});
