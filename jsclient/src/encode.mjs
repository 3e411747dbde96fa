// encode returns the cookie value for a JSON text, percent-encoded exactly as
// js-cookie 3 encodes a value (FORMAT.md §2): encodeURIComponent, then the
// characters that RFC 6265 §4.1.1 allows in a cookie-octet are decoded back.
// Space, `"`, `%`, `,`, `;`, `\`, controls and non-ASCII stay encoded with
// upper-case hex.
export default (json) =>
  encodeURIComponent(json).replace(
    /%(2[346BF]|3[AC-F]|40|5[BDE]|60|7[BCD])/g,
    decodeURIComponent
  )
