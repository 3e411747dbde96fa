// selection.go validates the Public "selection" value: untrusted input that
// anyone can forge.

package main

import (
	"encoding/json"

	"github.com/fullsession/fullsession/clientsession"
)

// maxSelection caps the ids the server looks at. "selection" is a Public key:
// the page script writes it and anyone can forge it, so it is untrusted input
// of up to 4 KB. Keep in step with MAX_SELECTION in static/century.js.
const maxSelection = 100

// readSelection returns the valid ids of the session's selection, without
// duplicates, at most maxSelection of them, and how many entries it ignored.
// Absent, malformed or forged values read as an empty selection.
func readSelection(sess *clientsession.Session) (ids []int64, ignored int) {
	var raw json.RawMessage
	if found, err := sess.Get(selectionKey, &raw); !found || err != nil {
		return nil, 0
	}
	return parseSelection(raw)
}

// parseSelection validates a selection value: a JSON array whose entries are
// property ids (positive integers). Other entries are ignored and counted.
func parseSelection(raw []byte) (ids []int64, ignored int) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, 1
	}
	seen := make(map[int64]bool, min(len(items), maxSelection))
	for _, item := range items {
		id, ok := parseID(string(item))
		switch {
		case !ok, seen[id]:
			ignored++
		case len(ids) >= maxSelection:
			ignored++
		default:
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, ignored
}

// toggleSelection adds id to ids, or removes it when present. It reports
// false when the selection is full.
func toggleSelection(ids []int64, id int64) ([]int64, bool) {
	for i, x := range ids {
		if x == id {
			return append(ids[:i:i], ids[i+1:]...), true
		}
	}
	if len(ids) >= maxSelection {
		return ids, false
	}
	return append(ids, id), true
}
