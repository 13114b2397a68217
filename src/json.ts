/** JSON text to a value, or undefined when it is not JSON (bodies from outside are read this way). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
