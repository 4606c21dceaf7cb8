package exercise

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/nodedive/nodedive/internal/suggest"
)

// Catalog is every exercise with its verifier.
type Catalog struct {
	list []*Exercise
	byID map[string]*Exercise
}

// NewCatalog loads the exercises in fsys and attaches the verifiers, given
// as one list per topic. Every exercise needs exactly one verifier and every
// verifier an exercise: a mismatch is an error, so content and code cannot
// drift apart unnoticed.
func NewCatalog(fsys fs.FS, topics ...[]*Verifier) (*Catalog, error) {
	list, err := Load(fsys)
	if err != nil {
		return nil, err
	}
	c := &Catalog{list: list, byID: map[string]*Exercise{}}
	for _, e := range list {
		c.byID[e.ID] = e
	}
	var problems []string
	for _, vs := range topics {
		for _, v := range vs {
			e := c.byID[v.ID]
			switch {
			case e == nil:
				problems = append(problems, fmt.Sprintf("verifier %q has no exercise in the content", v.ID))
			case e.verifier != nil:
				problems = append(problems, fmt.Sprintf("exercise %q has two verifiers", v.ID))
			default:
				err := v.validate()
				if err != nil {
					problems = append(problems, fmt.Sprintf("verifier %q: %v", v.ID, err))
				}
				e.verifier = v
			}
		}
	}
	for _, e := range list {
		if e.verifier == nil {
			problems = append(problems, fmt.Sprintf("exercise %q has no verifier", e.ID))
		}
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return c, nil
}

func (v *Verifier) validate() error {
	seen := map[string]bool{}
	for _, c := range append([]Check{v.Load}, v.Checks...) {
		switch {
		case c.Name == "" || c.Hint == "" || c.Run == nil:
			return fmt.Errorf("check %q needs a name, a hint and a Run", c.Name)
		case seen[c.Name]:
			return fmt.Errorf("two checks are named %q", c.Name)
		}
		seen[c.Name] = true
	}
	if len(v.Checks) == 0 {
		return errors.New("no checks besides Load")
	}
	return nil
}

// All lists the exercises by topic (course order), then order.
func (c *Catalog) All() []*Exercise { return c.list }

// IDs lists the exercise IDs in the order of All.
func (c *Catalog) IDs() []string {
	ids := make([]string, len(c.list))
	for i, e := range c.list {
		ids[i] = e.ID
	}
	return ids
}

// Topic lists the exercises of one topic.
func (c *Catalog) Topic(topic string) []*Exercise {
	var out []*Exercise
	for _, e := range c.list {
		if e.Topic == topic {
			out = append(out, e)
		}
	}
	return out
}

// Find returns the exercise with id (case-insensitive). An unknown id gives
// a *suggest.NotFoundError naming the nearest ones.
func (c *Catalog) Find(id string) (*Exercise, error) {
	if e, ok := c.byID[strings.ToLower(strings.TrimSpace(id))]; ok {
		return e, nil
	}
	return nil, suggest.Unknown("exercise", id, c.IDs(), 3)
}
