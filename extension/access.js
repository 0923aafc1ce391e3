// Host access: the extension may reach only the reader's own server. The manifest
// lists http://*/* and https://*/* as *optional* host permissions; the options page
// asks, when the reader saves, for the one server they typed and for nothing else.

/**
 * originPattern is the match pattern granting access to one server.
 * Chrome accepts a port in a match pattern, so the grant is exactly that origin.
 * Firefox rejects match patterns with a port (MDN, "Match patterns": the host must
 * not include a port number), so there the pattern is the scheme and host, which
 * Firefox applies to every port of that host.
 */
export function originPattern(serverUrl, { portAllowed = true } = {}) {
  const u = new URL(serverUrl);
  const host = portAllowed ? u.host : u.hostname;
  return `${u.protocol}//${host}/*`;
}

/** ServerAccess asks for and checks the host permission of the reader's server. */
export class ServerAccess {
  /**
   * `permissions` is browser.permissions; `portAllowed` is false on Firefox (see
   * originPattern).
   */
  constructor({ permissions, portAllowed }) {
    this.permissions = permissions;
    this.portAllowed = portAllowed;
  }

  /** pattern is the match pattern for serverUrl in this browser. */
  pattern(serverUrl) {
    return originPattern(serverUrl, { portAllowed: this.portAllowed });
  }

  /** has reports whether the extension may already reach serverUrl. */
  async has(serverUrl) {
    return this.permissions.contains({ origins: [this.pattern(serverUrl)] });
  }

  /**
   * request asks the reader for access to serverUrl only. It must run inside the
   * click handler (browsers require a user gesture). Resolves to true when granted.
   */
  async request(serverUrl) {
    return this.permissions.request({ origins: [this.pattern(serverUrl)] });
  }
}

/** serverAccess is the ServerAccess of this browser (browser.permissions, and no ports on Firefox). */
export function serverAccess(browser) {
  return new ServerAccess({ permissions: browser.permissions, portAllowed: !isFirefox(browser.runtime) });
}

/** isFirefox tells the browser from the extension's own URL scheme. */
function isFirefox(runtime) {
  return runtime.getURL('').startsWith('moz-extension:');
}
