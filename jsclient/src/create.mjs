import encode from './encode.mjs'
import decode from './decode.mjs'
import cookies from './cookies.mjs'

// FORMAT.md §1: key = 1*64( ALPHA / DIGIT / "_" / "-" / "." )
const KEY = /^[\w.-]{1,64}$/

const fail = (E, key, why) => {
  throw new E(`jsclient: ${key}: ${why}`)
}

// create returns a frozen session API bound to the cookie settings in config
// (the shape of clientsession.ClientConfig).
export default function create (config) {
  // A null prototype so that keys such as "constructor" are never inherited.
  const protection = Object.freeze(Object.assign(Object.create(null), config.protection))
  const c = Object.freeze({ ...config, protection })
  const { prefix, privatePrefix: pp } = c

  // level returns "public", "signed", "private" or "" for an invalid key.
  const level = (key) =>
    KEY.test(key)
      ? protection[key] || (pp && key.startsWith(pp) ? 'private' : 'public')
      : ''

  // jar maps each session cookie name to its first value.
  const jar = () => {
    const m = new Map()
    for (const [n, v] of cookies()) if (n.startsWith(prefix) && !m.has(n)) m.set(n, v)
    return m
  }

  const get = (key, m = jar()) => {
    const l = level(key)
    const v = m.get(prefix + key)
    if (v !== undefined && (l === 'public' || l === 'signed')) {
      return decode(v, l === 'signed', Date.now() / 1000)
    }
  }

  const listeners = new Set()
  let seen, stop

  // check reports every session key whose cookie differs from the last look.
  const check = () => {
    const now = jar()
    for (const n of new Set([...seen.keys(), ...now.keys()])) {
      const key = n.slice(prefix.length)
      if (seen.get(n) !== now.get(n) && /^(public|signed)$/.test(level(key))) {
        const change = Object.freeze({ key, value: get(key, now) })
        for (const f of listeners) {
          try {
            f(change)
          } catch (e) {
            // One failing listener must not starve the others.
            globalThis.reportError ? reportError(e) : setTimeout(() => { throw e })
          }
        }
      }
    }
    seen = now
  }

  const channel = () => typeof BroadcastChannel === 'function' && new BroadcastChannel('fullsession:' + prefix)

  const start = () => {
    seen = jar()
    // The Cookie Store API reports changes from any tab and from responses,
    // but exists in secure contexts only. Elsewhere other tabs announce
    // their writes on a BroadcastChannel, and polling catches the rest.
    const store = globalThis.cookieStore
    const bc = channel()
    let timer
    if (store) store.addEventListener('change', check)
    else timer = setInterval(check, 1000)
    if (bc) bc.onmessage = check
    stop = () => {
      if (store) store.removeEventListener('change', check)
      clearInterval(timer)
      if (bc) bc.close()
    }
  }

  // Page scripts may write Public keys only: the server would read a Signed
  // or Private key written here as absent.
  const own = (key) => level(key) === 'public' || fail(TypeError, key, 'not a public key')

  // write sets the cookie of key to value with the configured attributes.
  // Without maxAge it is a browser-session cookie (no Max-Age). Partitioned
  // (CHIPS) is part of a cookie's identity, so removals carry it too.
  const write = (key, value, maxAge) => {
    own(key)
    if (typeof document === 'undefined') return
    document.cookie = `${prefix}${key}=${value}; Path=${c.path}${
      c.domain ? '; Domain=' + c.domain : ''}${maxAge === undefined ? '' : '; Max-Age=' + Math.floor(maxAge)}; SameSite=${
      c.sameSite}${c.secure ? '; Secure' : ''}${c.partitioned ? '; Partitioned' : ''}`
    if (listeners.size) queueMicrotask(check)
    const bc = channel()
    if (bc) {
      bc.postMessage(key)
      bc.close()
    }
  }

  return Object.freeze({
    config: c,

    get: (key) => get(key),

    set (key, value, { maxAge = c.maxAge, session } = {}) {
      own(key)
      if (typeof maxAge !== 'number' || !isFinite(maxAge)) fail(TypeError, key, 'maxAge is not a number')
      // As clientsession's SetOptions.MaxAge: Chromium and Firefox cap expiry
      // at 400 days, WebKit does not.
      if (maxAge > 400 * 86400) fail(RangeError, key, 'maxAge is over 400 days')
      const json = JSON.stringify(value)
      if (json === undefined) fail(TypeError, key, 'value is not JSON')
      const v = encode(json)
      const name = prefix + key
      if (name.length + v.length > c.maxCookieSize) fail(RangeError, key, 'cookie too large')
      // Count "name=value; " as in the Cookie header. HttpOnly (Private)
      // cookies are invisible here, so the server's check stays the last word.
      let total = name.length + v.length + 3
      for (const [n, x] of cookies()) if (n !== name && n.startsWith(prefix)) total += n.length + x.length + 3
      if (total > c.maxTotalSize) fail(RangeError, key, 'session too large')
      write(key, v, session ? undefined : maxAge)
    },

    remove: (key) => write(key, '', 0),

    // pop reads a Public key and removes it, for flash messages. Only a
    // cookie that exists is removed.
    pop (key) {
      own(key)
      const m = jar()
      const v = get(key, m)
      if (m.has(prefix + key)) write(key, '', 0)
      return v
    },

    keys () {
      const m = jar()
      return [...m.keys()].map((n) => n.slice(prefix.length)).filter((k) => get(k, m) !== undefined)
    },

    onChange (callback) {
      if (typeof callback !== 'function') fail(TypeError, 'onChange', 'callback is not a function')
      if (typeof document === 'undefined') return () => {}
      listeners.size || start()
      listeners.add(callback)
      return () => {
        listeners.delete(callback) && !listeners.size && stop()
      }
    },

    withConfig: (more) => create({ ...c, ...more })
  })
}
