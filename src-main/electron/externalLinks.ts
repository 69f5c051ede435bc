/** The only places the app opens in the user's browser. */
const ALLOWED_HOSTS = new Set(['huggingface.co', 'github.com', 'timm.fast.ai']);

export function isAllowedExternalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && ALLOWED_HOSTS.has(u.hostname) && !u.username && !u.password;
  } catch {
    return false;
  }
}
