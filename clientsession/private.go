// Private values: the v2 sealer and the v1 and v2 openers (FORMAT.md §4).

package clientsession

import "encoding/binary"

const (
	sealVersion1 = 0x01
	sealVersion2 = 0x02
	keyIDLen     = 4
	nonceLen     = 24 // XChaCha20-Poly1305
	tagLen       = 16
	sealHeader   = 1 + keyIDLen + nonceLen
	// v1 plaintext: expiry. v2: expiry, issued, seen, session id.
	meta1Len      = 8
	meta2Len      = 8 + 8 + 8 + sidLen
	sealOverhead1 = sealHeader + meta1Len + tagLen
	sealOverhead2 = sealHeader + meta2Len + tagLen
)

// appendPrivate appends the v2 seal base64url(0x02 || key-id || nonce ||
// Seal(exp || issued || seen || sid || json)) (FORMAT.md §4).
func appendPrivate(dst []byte, k *key, name string, m meta, js []byte) []byte {
	raw := make([]byte, sealHeader, sealOverhead2+len(js)+len(adLabel2)+1+len(name))
	raw[0] = sealVersion2
	copy(raw[1:], k.id[:])
	nonce := raw[1+keyIDLen : sealHeader]
	k.nonce(nonce)
	pt := raw[sealHeader:]
	pt = binary.BigEndian.AppendUint64(pt, uint64(m.exp))
	pt = binary.BigEndian.AppendUint64(pt, uint64(m.issued))
	pt = binary.BigEndian.AppendUint64(pt, uint64(m.seen))
	pt = append(pt, m.sid[:]...)
	pt = append(pt, js...)
	// The AD goes in the spare capacity after the tag: one allocation.
	ad := appendAD(pt[len(pt)+tagLen:len(pt)+tagLen], adLabel2, name)
	sealed := k.aead.Seal(raw, nonce, pt, ad)
	return b64.AppendEncode(dst, sealed)
}

// appendAD appends the associated data that binds a seal to its cookie name.
func appendAD(dst []byte, label, name string) []byte {
	dst = append(dst, label...)
	dst = append(dst, 0)
	return append(dst, name...)
}

// openPrivate opens a Private value of either version with the key whose
// id it names. The base64url must be canonical (no padding, zero spare
// bits) and unquoted: one spelling per value.
func openPrivate(dst []byte, ks []*key, name, v string, now int64) (_, js []byte, m meta, ki int, err error) {
	if len(v) < b64.EncodedLen(sealOverhead1) {
		return dst, nil, m, 0, errSealForm
	}
	start := len(dst)
	dst, err = decodeB64(dst, v)
	if err != nil {
		return dst[:start], nil, m, 0, errSealForm
	}
	raw := dst[start:]
	var label string
	switch raw[0] {
	case sealVersion1:
		label, m.version = adLabel, 1
	case sealVersion2:
		if len(raw) < sealOverhead2 {
			return dst[:start], nil, m, 0, errSealForm
		}
		label, m.version = adLabel2, 2
	default:
		return dst[:start], nil, m, 0, errSealForm
	}
	ki = -1
	for i, k := range ks {
		if string(raw[1:1+keyIDLen]) == string(k.id[:]) {
			ki = i
			break
		}
	}
	if ki < 0 {
		return dst[:start], nil, m, 0, errUnknownKey
	}
	nonce := raw[1+keyIDLen : sealHeader]
	ct := raw[sealHeader:]
	dst = appendAD(dst, label, name)
	ad := dst[start+len(raw):]
	pt, err := ks[ki].aead.Open(ct[:0], nonce, ct, ad)
	if err != nil {
		return dst[:start], nil, m, 0, errOpen
	}
	m.exp = int64(binary.BigEndian.Uint64(pt))
	if m.version == 2 {
		m.issued = int64(binary.BigEndian.Uint64(pt[8:]))
		m.seen = int64(binary.BigEndian.Uint64(pt[16:]))
		copy(m.sid[:], pt[24:meta2Len])
		pt = pt[meta2Len:]
	} else {
		pt = pt[meta1Len:]
	}
	if m.exp <= now {
		return dst[:start], nil, m, 0, errExpired
	}
	// Authenticated, so the JSON is what a key holder sealed; Get's
	// json.Unmarshal still checks it.
	return dst, pt[:len(pt):len(pt)], m, ki, nil
}
