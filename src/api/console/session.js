// Who is signed in, in memory only (the session itself is an HttpOnly cookie).
let current = null;

export const currentSession = () => current;

export function setSession(session) {
  current = session;
}

/** What the signed-in role may do: 'read', 'start' or 'operate' (OTP, resend, cancel). */
export const may = (permission) => Boolean(current?.permissions.includes(permission));

/** Automatic reads stop after this long without a key press or a click (the API ends idle sessions). */
const UNATTENDED_MS = 20 * 60_000;
let lastActivity = Date.now();
export function noteActivity() {
  lastActivity = Date.now();
}
/**
 * Nobody is using the page (hidden, or no input for a while): views stop reading the API by
 * themselves, so that a console left open neither loads the API nor keeps its session alive.
 */
export const unattended = () => document.hidden || Date.now() - lastActivity > UNATTENDED_MS;

let flash = null;
/** A one-time message for the next view ("Refund started."). */
export function setFlash(message) {
  flash = message;
}
export function takeFlash() {
  const message = flash;
  flash = null;
  return message;
}
