// Signed values (FORMAT.md §3) read without a key: shape and expiry only.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import decode from '../src/decode.mjs'

const mac = 'A-_0123456789abcdefghijklmnopqrstuvwxyzABCD'
const now = 1767225600

test('a Signed value yields the payload after its MAC (v1: third dot, v2: sixth)', () => {
  assert.equal(mac.length, 43)
  assert.deepEqual(decode(`s1.${now + 60}.${mac}.{%22role%22:%22admin%22}`, true, now), { role: 'admin' })
  const sid = 'XlUQTh0AAQIDBAUGBwgJCg'
  assert.equal(decode(`s2.${now + 60}.${now}000.${now}.${sid}.${mac}.%22a.b.c%22`, true, now), 'a.b.c')
  assert.equal(decode(`s2.${now}.${now}000.${now}.${sid}.${mac}.1`, true, now), undefined, 'expired')
  // One spelling per Signed value since v2: quotes make it invalid.
  assert.equal(decode(`"s1.${now + 60}.${mac}.%22a.b.c%22"`, true, now), undefined)
})

test('expired or malformed Signed values read as undefined', () => {
  const bad = [
    `s1.${now}.${mac}.1`, // expiry <= now
    `s1.${now - 1}.${mac}.1`,
    `s1.0${now + 60}.${mac}.1`, // leading zero
    `s1.${now + 60}.${mac.slice(1)}.1`, // short MAC
    `s1.${now + 60}.${mac}A.1`, // long MAC
    `s1.${now + 60}.${mac.slice(1)}+.1`, // not base64url
    `s2.${now + 60}.${mac}.1`, // unknown version
    `s1.${now + 60}.${mac}.`, // empty JSON
    `s1.${now + 60}.${mac}.{%22a%22`, // bad JSON
    `s1.12345678901234567890.${mac}.1`, // 20 digits
    `s1.x.${mac}.1`,
    '1', '%22plain%22', // a Public value in a Signed key
    `s1.${now + 60}.${mac}.{"a":1}` // raw JSON is not cookie-octets
  ]
  for (const v of bad) assert.equal(decode(v, true, now), undefined, v)
})
