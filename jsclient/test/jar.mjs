// jar is a minimal stand-in for document.cookie, for unit tests only (the
// Go tests drive a real Chromium). It keeps cookies by name, honours
// Max-Age <= 0 as a deletion, hides httpOnly cookies from reads and records
// every string written.
export default function jar () {
  const cookies = new Map()
  const doc = {
    writes: [],
    // raw, when set, replaces the whole document.cookie string read.
    raw: undefined,
    get cookie () {
      if (doc.raw !== undefined) return doc.raw
      return [...cookies].filter(([, c]) => !c.httpOnly).map(([n, c]) => `${n}=${c.value}`).join('; ')
    },
    set cookie (s) {
      doc.writes.push(s)
      const [pair, ...attrs] = s.split(';')
      const i = pair.indexOf('=')
      const name = pair.slice(0, i).trim()
      const maxAge = attrs.map((a) => a.trim().split('=')).find(([k]) => k.toLowerCase() === 'max-age')
      if (maxAge && Number(maxAge[1]) <= 0) cookies.delete(name)
      else cookies.set(name, { value: pair.slice(i + 1).trim() })
    },
    // server sets a cookie the way a response would (possibly HttpOnly).
    server (name, value, httpOnly = false) {
      cookies.set(name, { value, httpOnly })
    },
    clear () {
      cookies.clear()
      doc.writes.length = 0
      doc.raw = undefined
    }
  }
  return doc
}
