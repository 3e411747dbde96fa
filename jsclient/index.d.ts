// Type declarations for @fullsession/jsclient.

/** A protection level, fixed per key by the server (clientsession.Protection). */
export type Protection = 'public' | 'signed' | 'private'

/** The cookie settings of a clientsession.Manager (clientsession.ClientConfig). */
export interface SessionConfig {
  /** Cookie-name prefix; the cookie of key k is named prefix + k. Default "session.". */
  readonly prefix: string
  /** Cookie Path. Default "/". */
  readonly path: string
  /** Cookie Domain; absent for host-only cookies (the default). */
  readonly domain?: string
  /** "Lax" (default), "Strict" or "None". */
  readonly sameSite: 'Lax' | 'Strict' | 'None'
  /** Whether cookies carry the Secure attribute. Default true. */
  readonly secure: boolean
  /** Default cookie lifetime in seconds. Default 1209600 (14 days). */
  readonly maxAge: number
  /** Largest name + value of one cookie, in bytes. Default 4096. */
  readonly maxCookieSize: number
  /** Largest sum of name + 1 + value + 2 over the session's cookies. Default 6144. */
  readonly maxTotalSize: number
  /** Explicit per-key levels; other keys follow privatePrefix. */
  readonly protection: Readonly<Record<string, Protection>>
  /** Keys starting with it are private unless listed in protection. Default "_". */
  readonly privatePrefix: string
  /**
   * Whether cookies carry the Partitioned attribute (CHIPS), from the server's
   * Options.Partitioned. Absent (false) by default.
   */
  readonly partitioned?: boolean
}

/** Options of {@link Session.set}. */
export interface SetOptions {
  /**
   * Cookie lifetime in seconds; defaults to config.maxAge. 0 or less removes the
   * key; over 400 days (34560000) is a RangeError, as on the server.
   */
  maxAge?: number
  /**
   * Write a browser-session cookie: no Max-Age, so it ends when the browser
   * closes. Takes precedence over maxAge (which is still checked).
   */
  session?: boolean
}

/** What {@link Session.onChange} reports: a key and its value after the change. */
export interface SessionChange {
  readonly key: string
  /** The new value, or undefined when the key was removed or is now malformed. */
  readonly value: unknown
}

/** A frozen session API bound to one cookie configuration. */
export interface Session {
  /** The settings this instance uses (frozen). */
  readonly config: SessionConfig
  /**
   * Returns the JSON value of a Public or Signed key, or undefined when the key
   * is absent, Private, malformed or (Signed) expired. Never throws. A Signed
   * value is read without its key: the page cannot tell a forged one, the
   * server can.
   */
  get<T = unknown>(key: string): T | undefined
  /**
   * Writes a Public key as percent-encoded JSON, exactly as the Go side does.
   * Throws a TypeError for an invalid, Signed or Private key, for a value
   * JSON.stringify cannot serialise, or a maxAge that is not a finite number;
   * throws a RangeError for a maxAge over 400 days, or when name + value
   * would exceed config.maxCookieSize or
   * the session's visible cookies would exceed config.maxTotalSize. Without a
   * document (server-side rendering) it checks and does nothing else.
   */
  set(key: string, value: unknown, options?: SetOptions): void
  /** Deletes a Public key. Throws a TypeError for an invalid, Signed or Private key. */
  remove(key: string): void
  /**
   * Reads a Public key, removes it and returns its value, or undefined when it
   * is absent or malformed (a malformed cookie is removed too). Made for flash
   * messages set by the server before a redirect to a cached page: the value
   * shows once, then is gone in every tab. Throws a TypeError for an invalid,
   * Signed or Private key.
   */
  pop<T = unknown>(key: string): T | undefined
  /** Returns the keys that {@link Session.get} can read, in cookie order. */
  keys(): string[]
  /**
   * Calls callback once per changed Public or Signed key, for changes made in
   * this tab, in other tabs and by server responses. Returns a function that
   * unsubscribes. Uses Cookie Store API change events where they exist
   * (secure contexts), else a BroadcastChannel plus a 1-second poll.
   */
  onChange(callback: (change: SessionChange) => void): () => void
  /** Returns a new instance with these settings merged over this one's. */
  withConfig(config: Partial<SessionConfig>): Session
}

declare const session: Session
export default session
