// keys.go holds the key derivation of FORMAT.md §5 and the Signed MACs.

package clientsession

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"sync"

	"golang.org/x/crypto/chacha20poly1305"
)

// MinKeySize is the shortest secret accepted in Options.Keys.
const MinKeySize = 32

// HKDF labels and domain-separation labels (FORMAT.md §3-§5). Changing any
// of them is a new format version. Both versions use the same sub-keys;
// the MAC and AD labels keep them apart.
const (
	infoSign  = "fullsession/v1 sign"
	infoSeal  = "fullsession/v1 seal"
	infoKeyID = "fullsession/v1 key-id"
	macLabel  = "fullsession/v1/signed"
	adLabel   = "fullsession/v1/private"
	macLabel2 = "fullsession/v2/signed"
	adLabel2  = "fullsession/v2/private"
)

// key holds what one configured secret derives: a MAC key (kept as a pool
// of keyed HMAC states, so no request pays for hmac.New), an AEAD and the
// key id written into seals.
type key struct {
	id   [keyIDLen]byte
	aead cipher.AEAD
	macs sync.Pool // of *macState

	// nonces is where seals take their nonces: nil means crypto/rand. It
	// is the test seam that makes the vectors reproducible; nothing
	// outside this package's tests sets it.
	nonces io.Reader
}

// nonce fills b with a fresh nonce.
func (k *key) nonce(b []byte) {
	if k.nonces == nil {
		rand.Read(b) // never fails (crypto/rand, Go 1.24+)
		return
	}
	if _, err := io.ReadFull(k.nonces, b); err != nil {
		panic("clientsession: test nonce source exhausted")
	}
}

type macState struct {
	h   hash.Hash
	msg []byte
	sum [sha256.Size]byte
	enc [macLen]byte
}

func deriveKey(secret []byte) (*key, error) {
	if len(secret) < MinKeySize {
		return nil, fmt.Errorf("clientsession: key is %d bytes, need at least %d", len(secret), MinKeySize)
	}
	signKey, err := hkdf.Key(sha256.New, secret, nil, infoSign, 32)
	if err != nil {
		return nil, fmt.Errorf("clientsession: deriving sign key: %w", err)
	}
	sealKey, err := hkdf.Key(sha256.New, secret, nil, infoSeal, chacha20poly1305.KeySize)
	if err != nil {
		return nil, fmt.Errorf("clientsession: deriving seal key: %w", err)
	}
	id, err := hkdf.Key(sha256.New, secret, nil, infoKeyID, keyIDLen)
	if err != nil {
		return nil, fmt.Errorf("clientsession: deriving key id: %w", err)
	}
	aead, err := chacha20poly1305.NewX(sealKey)
	if err != nil {
		return nil, fmt.Errorf("clientsession: %w", err)
	}
	k := &key{aead: aead}
	copy(k.id[:], id)
	k.macs.New = func() any { return &macState{h: hmac.New(sha256.New, signKey)} }
	return k, nil
}

// mac computes the Signed value MAC of FORMAT.md §3 into st.enc.
// The expiry comes as text or bytes (one of them empty) so that neither
// caller converts, which would allocate.
func (k *key) mac(st *macState, name, exp string, expB, js []byte) {
	m := append(st.msg[:0], macLabel...)
	m = append(m, 0)
	m = append(m, name...)
	m = append(m, 0)
	m = append(m, exp...)
	m = append(m, expB...)
	m = append(m, 0)
	m = append(m, js...)
	st.msg = m
	st.h.Reset()
	st.h.Write(m)
	b64.Encode(st.enc[:], st.h.Sum(st.sum[:0]))
}

// verifyMAC compares in constant time.
func (k *key) verifyMAC(mac, name, exp string, js []byte) bool {
	if len(mac) != macLen {
		return false
	}
	st := k.macs.Get().(*macState)
	k.mac(st, name, exp, nil, js)
	var diff byte
	for i := range st.enc {
		diff |= st.enc[i] ^ mac[i]
	}
	k.macs.Put(st)
	return diff == 0
}

// macV2 computes the v2 Signed MAC of FORMAT.md §3 into st.enc:
// HMAC(K_sign, label 0x00 name 0x00 head 0x00 payload), head and payload
// as on the wire.
func macV2[H, P string | []byte](k *key, st *macState, name string, head H, payload P) {
	m := append(st.msg[:0], macLabel2...)
	m = append(m, 0)
	m = append(m, name...)
	m = append(m, 0)
	m = append(m, head...)
	m = append(m, 0)
	m = append(m, payload...)
	st.msg = m
	st.h.Reset()
	st.h.Write(m)
	b64.Encode(st.enc[:], st.h.Sum(st.sum[:0]))
}

// verifyV2 checks a v2 MAC in constant time. Comparing the canonical
// encoding is strict: a spelling with other spare bits never matches.
func verifyV2(k *key, mac, name, head, payload string) bool {
	if len(mac) != macLen {
		return false
	}
	st := k.macs.Get().(*macState)
	macV2(k, st, name, head, payload)
	var diff byte
	for i := range st.enc {
		diff |= st.enc[i] ^ mac[i]
	}
	k.macs.Put(st)
	return diff == 0
}
