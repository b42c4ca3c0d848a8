// Link tokens travel in URLs; logs keep the shape of a URL but never a token.
const TOKEN_LIKE = /^[A-Za-z0-9_-]{32,}$/;

export function redactUrl(url: string): string {
  const [path = '', query] = url.split('?', 2);
  const safePath = path
    .split('/')
    .map((segment) => (TOKEN_LIKE.test(segment) ? '[redacted]' : segment))
    .join('/');
  if (query === undefined) return safePath;
  const params = new URLSearchParams(query);
  for (const [key, value] of params) if (TOKEN_LIKE.test(value) || /token|code/i.test(key)) params.set(key, '[redacted]');
  return `${safePath}?${params.toString()}`;
}
