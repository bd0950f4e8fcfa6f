// The dashboard's Content-Security-Policy, the same in the app (custom scheme) and headless (HTTP):
// our own scripts and styles only, no eval, no inline script, no plugins, no framing, no forms.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');
