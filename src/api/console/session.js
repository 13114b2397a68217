// Who is signed in, in memory only (the session itself is an HttpOnly cookie).
let current = null;

export const currentSession = () => current;

export function setSession(session) {
  current = session;
}

/** What the signed-in role may do: 'read', 'start' or 'operate' (OTP, resend, cancel). */
export const may = (permission) => Boolean(current?.permissions.includes(permission));

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
