// cookies returns the [name, value] pairs of document.cookie in order,
// duplicates included (RFC 6265 §5.4 lists the most specific path first, so
// the first occurrence of a name wins). A pair without "=" is a nameless
// cookie. It returns [] without a document or when the document may not read
// cookies (a sandboxed frame).
export default () => {
  try {
    return document.cookie.split(';').map((pair) => {
      const i = pair.indexOf('=')
      return i < 0 ? ['', pair] : [pair.slice(0, i).trim(), pair.slice(i + 1).trim()]
    })
  } catch {
    return []
  }
}
