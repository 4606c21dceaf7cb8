package scaling

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/nodedive/nodedive/labs/exercise"
)

// The product the cache checks read and change, with its price in
// products.json.
const (
	productPath = "/products/1"
	oldPrice    = 24900
)

// dbEnv is the slow database's settings for a check: its own copy of the
// products, a query log, and how long a query takes.
func dbEnv(t *exercise.Trial, delay time.Duration) []string {
	return []string{
		"DB_FILE=" + fileIn(t, "products.json"),
		"DB_LOG=" + fileIn(t, "queries.log"),
		fmt.Sprintf("DB_DELAY_MS=%d", delay.Milliseconds()),
	}
}

// cacheWorld starts Redis and writes the database's files.
func cacheWorld(ctx context.Context, t *exercise.Trial) (*world, error) {
	products, err := given.ReadFile("app/products.json")
	if err != nil {
		return nil, err
	}
	if err := t.WriteFile("products.json", products); err != nil {
		return nil, err
	}
	return newWorld(ctx, t, []string{"db.js"})
}

// dbReads counts the database's reads of product id so far, from its query
// log.
func dbReads(t *exercise.Trial, id string) int {
	data, err := os.ReadFile(fileIn(t, "queries.log"))
	if err != nil {
		return 0
	}
	n := 0
	for line := range strings.Lines(string(data)) {
		var q struct{ Query, ID string }
		if json.Unmarshal([]byte(line), &q) == nil && q.Query == "get" && q.ID == id {
			n++
		}
	}
	return n
}

// price reads the product's price through in.
func price(ctx context.Context, in *instance) (float64, reply, error) {
	r, err := in.call(ctx, http.MethodGet, productPath, nil, "")
	if err != nil {
		return 0, r, err
	}
	p, ok := r.body["price"].(float64)
	if r.status != http.StatusOK || !ok {
		return 0, r, fmt.Errorf("GET %s on %s answered %s", productPath, in.name, r)
	}
	return p, r, nil
}

func cacheServes() exercise.Check {
	return exercise.Check{
		Name: CheckCacheServes,
		Hint: "server.js does not start or does not serve: read node's error above. Connect to Redis " +
			"(createClient({ url: process.env.REDIS_URL }) and await client.connect()) before the server listens.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "GET /products/1 answers 200 with the espresso machine"
			w, err := cacheWorld(ctx, t)
			if err != nil {
				return exercise.Outcome{}, err
			}
			defer w.close()
			in, o, err := w.serve(ctx, "server.js", dbEnv(t, 50*time.Millisecond)...)
			if err != nil || !o.Pass {
				return o, err
			}
			r, err := in.call(ctx, http.MethodGet, productPath, nil, "")
			if err != nil {
				return fail(expect, "%v", err), nil
			}
			if r.status != http.StatusOK || r.body["name"] != "Espresso machine" {
				return fail(expect, "GET /products/1 answered %s", r), nil
			}
			return pass(expect, "GET /products/1 answered %s", r), nil
		},
	}
}

func cacheHit() exercise.Check {
	return exercise.Check{
		Name: CheckCacheHit,
		Hint: "Cache-aside: look in Redis first (client.get(key)); on a miss, read the database and store a copy in Redis. " +
			"A Map in the process's memory is a cache too, but each instance has its own: the second instance still goes " +
			"to the database.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "GET /products/1 on the first instance, again on the first, then on the second: 1 database read"
			w, err := cacheWorld(ctx, t)
			if err != nil {
				return exercise.Outcome{}, err
			}
			defer w.close()
			two, o, err := w.serveTwo(ctx, "server.js", dbEnv(t, 150*time.Millisecond)...)
			if err != nil || !o.Pass {
				return o, err
			}
			var took []string
			for _, in := range []*instance{two[0], two[0], two[1]} {
				p, r, err := price(ctx, in)
				if err != nil {
					return fail(expect, "%v", err), nil
				}
				if p != oldPrice {
					return fail(expect, "%s served price %v; products.json says %d", in.name, p, oldPrice), nil
				}
				took = append(took, fmt.Sprintf("%s %s", in.name, r.took.Round(time.Millisecond)))
			}
			reads := dbReads(t, "1")
			seen := fmt.Sprintf("3 reads (%s), %d database read(s)", strings.Join(took, ", "), reads)
			if reads != 1 {
				return fail(expect, "%s", seen), nil
			}
			return pass(expect, "%s", seen), nil
		},
	}
}

// change sets the product's price through in.
func change(ctx context.Context, in *instance, cents int) error {
	r, err := in.call(ctx, http.MethodPut, productPath, map[string]int{"price": cents}, "")
	if err != nil {
		return err
	}
	if r.status != http.StatusOK {
		return fmt.Errorf("PUT %s on %s answered %s", productPath, in.name, r)
	}
	return nil
}

// pricesNow reads the price on each instance and says whether all show
// want.
func pricesNow(ctx context.Context, want float64, ins ...*instance) (string, bool, error) {
	var seen []string
	ok := true
	for _, in := range ins {
		p, _, err := price(ctx, in)
		if err != nil {
			return "", false, err
		}
		seen = append(seen, fmt.Sprintf("%s served %v", in.name, p))
		ok = ok && p == want
	}
	return strings.Join(seen, ", "), ok, nil
}

func invalidate() exercise.Check {
	return exercise.Check{
		Name: CheckInvalidate,
		Hint: "A copy in Redis stays there after the database changes, and every instance serves it until it expires. " +
			"When you change a product, delete its cached copy (client.del(key)) once the database has the change.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "after a read caches the product and PUT changes its price to 1299, GET serves 1299"
			w, err := cacheWorld(ctx, t)
			if err != nil {
				return exercise.Outcome{}, err
			}
			defer w.close()
			in, o, err := w.serve(ctx, "server.js", dbEnv(t, 50*time.Millisecond)...)
			if err != nil || !o.Pass {
				return o, err
			}
			if _, _, err := pricesNow(ctx, oldPrice, in); err != nil {
				return fail(expect, "%v", err), nil
			}
			if err := change(ctx, in, 1299); err != nil {
				return fail(expect, "%v", err), nil
			}
			seen, ok, err := pricesNow(ctx, 1299, in)
			if err != nil {
				return fail(expect, "%v", err), nil
			}
			if !ok {
				return fail(expect, "after the change: %s", seen), nil
			}
			return pass(expect, "after the change: %s", seen), nil
		},
	}
}

// raceDelay is how long a query takes in the race check: the read made
// during the change starts well inside it, however slow the machine.
const raceDelay = 600 * time.Millisecond

func race() exercise.Check {
	return exercise.Check{
		Name: CheckRace,
		Hint: "Change the database first, then delete the cached copy. Deleted first, a read that comes while the database " +
			"is still changing finds no copy, reads the old product, and puts it back in the cache, where it stays until " +
			"it expires.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			expect := fmt.Sprintf("with %s database queries: a read starts while a PUT changes the price to 777; once both "+
				"are done, GET serves 777", raceDelay)
			w, err := cacheWorld(ctx, t)
			if err != nil {
				return exercise.Outcome{}, err
			}
			defer w.close()
			in, o, err := w.serve(ctx, "server.js", dbEnv(t, raceDelay)...)
			if err != nil || !o.Pass {
				return o, err
			}
			if _, _, err := pricesNow(ctx, oldPrice, in); err != nil {
				return fail(expect, "%v", err), nil
			}
			changed := make(chan error, 1)
			go func() { changed <- change(ctx, in, 777) }()
			if err := sleep(ctx, raceDelay/4); err != nil {
				return exercise.Outcome{}, err
			}
			_, during, err := price(ctx, in)
			if err != nil {
				return fail(expect, "%v", err), nil
			}
			if err := <-changed; err != nil {
				return fail(expect, "%v", err), nil
			}
			seen, ok, err := pricesNow(ctx, 777, in)
			if err != nil {
				return fail(expect, "%v", err), nil
			}
			if !ok {
				return fail(expect, "the read during the change got %v; after the change: %s", during.body["price"], seen), nil
			}
			return pass(expect, "the read during the change got %v; after the change: %s", during.body["price"], seen), nil
		},
	}
}

func cacheTTL() exercise.Check {
	return exercise.Check{
		Name: CheckCacheTTL,
		Hint: "Give every cached copy an expiry when you store it (client.set(key, value, { EX: CACHE_TTL })): a copy " +
			"that a change somehow missed then heals by itself, and Redis does not fill up with products nobody reads.",
		Run: func(ctx context.Context, t *exercise.Trial) (exercise.Outcome, error) {
			const expect = "after a read, Redis holds the cached product, and every key expires within a day"
			w, err := cacheWorld(ctx, t)
			if err != nil {
				return exercise.Outcome{}, err
			}
			defer w.close()
			in, o, err := w.serve(ctx, "server.js", dbEnv(t, 50*time.Millisecond)...)
			if err != nil || !o.Pass {
				return o, err
			}
			if _, _, err := pricesNow(ctx, oldPrice, in); err != nil {
				return fail(expect, "%v", err), nil
			}
			seen, ok, err := w.ttls(ctx)
			if err != nil {
				return exercise.Outcome{}, err
			}
			if !ok {
				return fail(expect, "after the read: %s", seen), nil
			}
			return pass(expect, "after the read: %s", seen), nil
		},
	}
}
