// Character-by-character encoding cases (FORMAT.md §2), in the manner of
// js-cookie's encoding tests, checked against a byte-wise reference encoder
// written from the spec rather than from encode.mjs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import encode from '../src/encode.mjs'
import decode from '../src/decode.mjs'

const literal = new Set(
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789' +
  "!#$&'()*+-./:<=>?@[]^_`{|}~"
)

// reference percent-encodes the UTF-8 bytes of s as FORMAT.md §2 lists them.
const reference = (s) =>
  [...new TextEncoder().encode(s)]
    .map((b) => {
      const ch = String.fromCharCode(b)
      return b < 0x80 && literal.has(ch) ? ch : '%' + b.toString(16).toUpperCase().padStart(2, '0')
    })
    .join('')

test('every ASCII character encodes as FORMAT.md §2 says and decodes back', () => {
  for (let i = 0; i < 0x80; i++) {
    const ch = String.fromCharCode(i)
    const json = JSON.stringify(ch)
    assert.equal(encode(json), reference(json), `U+${i.toString(16)}`)
    assert.equal(decode(encode(json)), ch, `U+${i.toString(16)}`)
  }
})

test('the characters that broke the 2009 middleware stay encoded', () => {
  assert.equal(encode('" ,;\\%'), '%22%20%2C%3B%5C%25')
  assert.equal(encode('+'), '+')
  assert.equal(encode('{"a b":"c,d"}'), '{%22a%20b%22:%22c%2Cd%22}')
})

test('non-ASCII characters encode their UTF-8 bytes with upper-case hex', () => {
  const cases = {
    é: '%C3%A9',
    ü: '%C3%BC',
    '€': '%E2%82%AC',
    '😀': '%F0%9F%98%80',
    '👍🏽': '%F0%9F%91%8D%F0%9F%8F%BD',
    '\u2028': '%E2%80%A8',
    '\u00a0': '%C2%A0',
    '\ufeff': '%EF%BB%BF'
  }
  for (const [ch, want] of Object.entries(cases)) {
    assert.equal(encode(ch), want, ch)
    assert.equal(reference(ch), want, ch)
    assert.equal(decode(encode(JSON.stringify(ch))), ch, ch)
  }
})

test('a lone surrogate is escaped by JSON.stringify, so encoding never throws', () => {
  const json = JSON.stringify('\ud800x')
  assert.equal(encode(json), '%22%5Cud800x%22')
  assert.equal(decode(encode(json)), '\ud800x')
})

test('encoded values contain only RFC 6265 cookie-octets', () => {
  const octet = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/
  let all = ''
  for (let i = 0; i < 0x800; i++) all += String.fromCharCode(i)
  assert.match(encode(JSON.stringify(all)), octet)
})

test('decode accepts what other writers produce', () => {
  assert.equal(decode('%22a%22'), 'a')
  assert.equal(decode('"%22a%22"'), 'a', 'one pair of quotes is stripped')
  assert.equal(decode('%22%c3%a9%22'), 'é', 'lower-case hex')
  assert.equal(decode('%7B%22a%22%3A1%7D').a, 1, 'literal characters encoded anyway')
  assert.equal(decode('%22a+b%22'), 'a+b', '+ is a plus, never a space')
  assert.equal(decode('1'), 1)
  assert.equal(decode('true'), true)
  assert.equal(decode('null'), null)
  assert.deepEqual(decode('[1%2C%22x%22]'), [1, 'x'])
  assert.equal(decode('[1,%22x%22]'), undefined, 'a raw comma is not a cookie-octet')
})

test('decode reads malformed values as undefined and never throws', () => {
  const bad = [
    '', '""', '"', '"%22a%22', // empty, bare or unbalanced quotes
    '{"a":1}', '"a b"', '%22a%22 ', 'a,b', 'a;b', 'a\\b', // non-octets
    '%22\u00e9%22', '%22\u0001%22', '%22\x7f%22', // non-ASCII and controls
    '%', '%2', '%zz', '%22%2%22', // bad escapes
    '%C3%28', '%C0%AF', '%ED%A0%80', '%F4%90%80%80', '%FF', // invalid UTF-8
    '1%202', '%22a%22%22b%22', 'undefined', 'NaN', "'a'", '%EF%BB%BF1', '{', '[1,]' // not one JSON value
  ]
  for (const v of bad) assert.equal(decode(v), undefined, JSON.stringify(v))
})

test('decode never throws on random input', () => {
  let seed = 42
  const rand = (n) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed % n
  }
  const alphabet = '%"\\;, {}[]:0123456789abcdefABCDEF+s1.-_é\u0000'
  for (let i = 0; i < 5000; i++) {
    let s = ''
    for (let n = rand(24); n > 0; n--) s += alphabet[rand(alphabet.length)]
    assert.doesNotThrow(() => decode(s, false, 0))
    assert.doesNotThrow(() => decode('s1.9.' + 'A'.repeat(43) + '.' + s, true, 0))
  }
})
