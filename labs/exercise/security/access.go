package security

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"

	"github.com/nodedive/nodedive/labs/exercise"
)

// order is one order of the access exercise, as the check writes it to
// orders.json and reads it back from the API.
type order struct {
	ID    int    `json:"id"`
	Owner string `json:"owner"`
	Item  string `json:"item"`
	Total int    `json:"total"`
	Note  string `json:"note"`
}

// accessApp is the access exercise's server with the keys and orders the
// check gave it. Keys are random, and so are the ids (consecutive, as a
// database would number them), so nothing can be hard-coded.
type accessApp struct {
	*app
	keys   map[string]string // user -> API key
	orders []order
}

func startAccess(ctx context.Context, t *exercise.Trial) (*accessApp, exercise.Outcome, error) {
	base := 2000 + rand.IntN(7000)
	aa := &accessApp{
		keys: map[string]string{"alice": "key-alice-" + randomHex(8), "bob": "key-bob-" + randomHex(8)},
		orders: []order{
			{ID: base + 1, Owner: "alice", Item: "mechanical keyboard", Total: 12900},
			{ID: base + 2, Owner: "bob", Item: "standing desk " + randomHex(3), Total: 48000, Note: "deliver to the back door"},
			{ID: base + 3, Owner: "alice", Item: "desk lamp", Total: 3900},
		},
	}
	keysJSON, _ := json.Marshal(map[string]string{aa.keys["alice"]: "alice", aa.keys["bob"]: "bob"})
	ordersJSON, _ := json.Marshal(aa.orders)
	a, o, err := serve(ctx, t, nil, map[string][]byte{"keys.json": keysJSON, "orders.json": ordersJSON})
	if a == nil {
		return nil, o, err
	}
	aa.app = a
	return aa, o, nil
}

func accessCheck(name, hint string, judge func(ctx context.Context, a *accessApp) exercise.Outcome) exercise.Check {
	return exercise.Check{
		Name: name,
		Hint: hint,
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			a, o, err := startAccess(ctx, t)
			if err != nil || a == nil {
				return o, err
			}
			return tidy(t, judge(ctx, a)), nil
		},
	}
}

// as sends a request with user's API key ("" sends none).
func (a *accessApp) as(ctx context.Context, user, method, target, body string) (*reply, error) {
	h := http.Header{}
	if user != "" {
		key, ok := a.keys[user]
		if !ok {
			key = user // an unknown key, as is
		}
		h.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		return a.sendJSON(ctx, method, target, body, h)
	}
	return a.do(ctx, method, target, nil, h)
}

func orderPath(id int) string { return "/orders/" + strconv.Itoa(id) }

func objectAccess() *exercise.Verifier {
	start := func(ctx context.Context, t *exercise.Trial) (*app, exercise.Outcome, error) {
		a, o, err := startAccess(ctx, t)
		if a == nil {
			return nil, o, err
		}
		return a.app, o, err
	}
	return &exercise.Verifier{
		ID:   "security-object-access",
		Load: startCheck(start),
		Checks: []exercise.Check{
			accessCheck("requests without a valid key get 401",
				"Keep the authentication middleware: no Authorization header, or a key keys.json does not know, is 401.",
				judgeNoKey),
			accessCheck("users still read their own orders",
				"GET /orders lists the caller's orders and GET /orders/ID answers one of them: fixing access must not lock owners out.",
				judgeOwnOrders),
			accessCheck("nobody reads another user's order",
				"Logging in says who the caller is, not which orders they may see. Look the order up among the caller's own "+
					"(o.id === id && o.owner === req.user) in every route that takes an id.",
				judgeReadOther),
			accessCheck("someone else's order looks like a missing one",
				"A 403 for an order that exists and a 404 for one that does not tell an attacker which ids exist: answer "+
					"someone else's order exactly like a missing one, 404 with the same body.",
				judgeSameAsMissing),
			accessCheck("nobody changes or deletes another user's order",
				"Writes need the check as much as reads: PATCH and DELETE look the order up among the caller's own too, "+
					"before they touch it.",
				judgeWriteOther),
			accessCheck("a PATCH changes the note and nothing else",
				"Object.assign(order, req.body) lets the body set any field, owner and total included (mass assignment). "+
					"Copy only what a customer may change: order.note = req.body.note, after checking it is a string.",
				judgeMassAssignment),
		},
	}
}

func judgeNoKey(ctx context.Context, a *accessApp) exercise.Outcome {
	const expect = "GET /orders with no key, and with an unknown key: 401"
	for _, user := range []string{"", "key-mallory-" + randomHex(4)} {
		r, err := a.as(ctx, user, http.MethodGet, "/orders", "")
		if err != nil {
			return a.broken(expect, "GET /orders", err)
		}
		if r.status != http.StatusUnauthorized {
			return fail(expect, "GET /orders with key %q: %s", user, r)
		}
	}
	return pass(expect, "401 both times")
}

// ordersIn decodes a list of orders, or one order as a list of one.
func ordersIn(r *reply) ([]order, bool) {
	var list []order
	if json.Unmarshal(r.body, &list) == nil {
		return list, true
	}
	var one order
	if json.Unmarshal(r.body, &one) == nil && one.ID != 0 {
		return []order{one}, true
	}
	return nil, false
}

func judgeOwnOrders(ctx context.Context, a *accessApp) exercise.Outcome {
	const expect = "alice's GET /orders lists her two orders; GET /orders/ID of each answers it"
	r, err := a.as(ctx, "alice", http.MethodGet, "/orders", "")
	if err != nil {
		return a.broken(expect, "GET /orders", err)
	}
	list, ok := ordersIn(r)
	if r.status != http.StatusOK || !ok || len(list) != 2 || list[0].ID != a.orders[0].ID || list[1].ID != a.orders[2].ID {
		return fail(expect, "alice's GET /orders: %s", r)
	}
	for _, o := range []order{a.orders[0], a.orders[2]} {
		r, err := a.as(ctx, "alice", http.MethodGet, orderPath(o.ID), "")
		if err != nil {
			return a.broken(expect, "GET "+orderPath(o.ID), err)
		}
		got, ok := ordersIn(r)
		if r.status != http.StatusOK || !ok || len(got) != 1 || got[0].ID != o.ID {
			return fail(expect, "alice's GET %s: %s", orderPath(o.ID), r)
		}
	}
	return pass(expect, "both listed, both answered")
}

func judgeReadOther(ctx context.Context, a *accessApp) exercise.Outcome {
	bobs := a.orders[1]
	expect := fmt.Sprintf("alice's GET %s (bob's order): 403 or 404, without bob's order in the body", orderPath(bobs.ID))
	r, err := a.as(ctx, "alice", http.MethodGet, orderPath(bobs.ID), "")
	if err != nil {
		return a.broken(expect, "GET "+orderPath(bobs.ID), err)
	}
	if contains(r.body, bobs.Item) || (r.status != http.StatusForbidden && r.status != http.StatusNotFound) {
		return fail(expect, "%s", r)
	}
	return pass(expect, "%s", r)
}

func judgeSameAsMissing(ctx context.Context, a *accessApp) exercise.Outcome {
	bobs := a.orders[1]
	missing := a.orders[2].ID + 1000
	expect := fmt.Sprintf("alice's GET %s (bob's) and GET %s (no such order): both 404, the same body", orderPath(bobs.ID), orderPath(missing))
	other, err := a.as(ctx, "alice", http.MethodGet, orderPath(bobs.ID), "")
	if err != nil {
		return a.broken(expect, "GET "+orderPath(bobs.ID), err)
	}
	none, err := a.as(ctx, "alice", http.MethodGet, orderPath(missing), "")
	if err != nil {
		return a.broken(expect, "GET "+orderPath(missing), err)
	}
	observed := fmt.Sprintf("bob's: %s; missing: %s", other, none)
	if other.status != http.StatusNotFound || none.status != http.StatusNotFound || string(other.body) != string(none.body) {
		return fail(expect, "%s", observed)
	}
	return pass(expect, "%s", observed)
}

func judgeWriteOther(ctx context.Context, a *accessApp) exercise.Outcome {
	bobs := a.orders[1]
	expect := fmt.Sprintf("alice's PATCH and DELETE of %s (bob's order): 403 or 404, and bob's order as it was", orderPath(bobs.ID))
	for _, w := range []struct{ method, body string }{
		{http.MethodPatch, `{"note":"cancelled by alice"}`},
		{http.MethodDelete, ""},
	} {
		r, err := a.as(ctx, "alice", w.method, orderPath(bobs.ID), w.body)
		if err != nil {
			return a.broken(expect, w.method+" "+orderPath(bobs.ID), err)
		}
		if r.status != http.StatusForbidden && r.status != http.StatusNotFound {
			return fail(expect, "alice's %s %s %s: %s", w.method, orderPath(bobs.ID), w.body, r)
		}
	}
	r, err := a.as(ctx, "bob", http.MethodGet, orderPath(bobs.ID), "")
	if err != nil {
		return a.broken(expect, "GET "+orderPath(bobs.ID), err)
	}
	got, ok := ordersIn(r)
	if r.status != http.StatusOK || !ok || len(got) != 1 || got[0] != bobs {
		return fail(expect, "after alice's attempts, bob's GET %s: %s", orderPath(bobs.ID), r)
	}
	return pass(expect, "both refused; bob's order unchanged")
}

func judgeMassAssignment(ctx context.Context, a *accessApp) exercise.Outcome {
	mine := a.orders[0]
	body := `{"note":"gift wrap, please","total":1,"owner":"bob","id":1}`
	expect := fmt.Sprintf("alice's PATCH %s %s: the note changes and total, owner and id stay (or 400 and nothing changes)",
		orderPath(mine.ID), body)
	r, err := a.as(ctx, "alice", http.MethodPatch, orderPath(mine.ID), body)
	if err != nil {
		return a.broken(expect, "PATCH "+orderPath(mine.ID), err)
	}
	want := mine
	switch {
	case r.status == http.StatusBadRequest: // a strict API refuses unknown fields
	case r.status >= 200 && r.status < 300:
		want.Note = "gift wrap, please"
	default:
		return fail(expect, "PATCH: %s", r)
	}
	after, err := a.as(ctx, "alice", http.MethodGet, orderPath(mine.ID), "")
	if err != nil {
		return a.broken(expect, "GET "+orderPath(mine.ID), err)
	}
	got, ok := ordersIn(after)
	if after.status != http.StatusOK || !ok || len(got) != 1 || got[0] != want {
		return fail(expect, "PATCH answered %d; then alice's GET %s: %s", r.status, orderPath(mine.ID), after)
	}
	if r.status == http.StatusBadRequest {
		return pass(expect, "refused with 400; the order is unchanged")
	}
	return pass(expect, "only the note changed")
}
