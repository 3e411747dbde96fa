// RFC 6265 §4.1.1: cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
const octets = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/

// FORMAT.md §3: v2 "s2." expiry "." issued "." seen "." sid "." mac "."
// pct-json, and v1 "s1." expiry "." mac "." pct-json. Without the key a page
// can check the shape and the expiry, not the MAC.
const d = '[1-9]\\d{0,18}'
const signed = new RegExp(`^(?:s2\\.(${d})\\.${d}\\.${d}\\.[\\w-]{22}|s1\\.(${d}))\\.[\\w-]{43}\\.(.*)$`)

// decode returns the value of a Public (or, with sig, Signed) cookie value
// read at Unix time now, or undefined when it is malformed or expired. It
// never throws.
export default (raw, sig, now) => {
  // One pair of surrounding quotes is allowed (RFC 6265 §4.1.1), except
  // around Signed values, which have exactly one spelling (FORMAT.md §3).
  if (raw.length > 1 && raw[0] === '"' && raw.endsWith('"')) {
    if (sig) return
    raw = raw.slice(1, -1)
  }
  if (!octets.test(raw)) return
  if (sig) {
    const m = signed.exec(raw)
    if (!m || (m[1] ?? m[2]) <= now) return
    raw = m[3]
  }
  try {
    // decodeURIComponent rejects a bad %XX and invalid UTF-8; `+` stays `+`.
    return JSON.parse(decodeURIComponent(raw))
  } catch {}
}
