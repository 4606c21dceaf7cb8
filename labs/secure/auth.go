package secure

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"
)

// bcryptCost is the work factor of the stored hashes: bcrypt's default (10),
// as bcryptjs uses in the Express app.
const bcryptCost = bcrypt.DefaultCost

// maxPasswordBytes is bcrypt's input limit: it ignores (bcryptjs) or refuses
// (Go) anything longer, so the app rejects it up front on both.
const maxPasswordBytes = 72

type user struct {
	Email, Name string
	hash        []byte
}

// users is the account table, seeded with the demo account at start.
type users struct {
	byEmail map[string]*user
	// decoy is checked when the e-mail is unknown, so a wrong address
	// costs as much time as a wrong password and does not reveal which
	// addresses have accounts.
	decoy []byte
}

// The account table stores hashes, never passwords. These were made once
// with bcrypt at cost 10 (DemoPasswordHash from DemoPassword, decoyHash from
// a random string nobody kept); the Express app stores the same two, so
// neither app spends a second of bcrypt at every start.
const (
	DemoPasswordHash = "$2a$10$kRFWA0yZU68gbOdEQoDpWuRgUggzQLXR4BtRKnTY0oxt8fUCVA1WC"
	decoyHash        = "$2a$10$8rQJvWJuIpu6HxJjqNnzYuqLv4Se3wLWxBNG5oRQTNnfj4nXmWXUW"
)

func seedUsers() (*users, error) {
	for _, h := range []string{DemoPasswordHash, decoyHash} {
		if cost, err := bcrypt.Cost([]byte(h)); err != nil || cost < bcryptCost {
			return nil, fmt.Errorf("stored hash %q: cost %d, %w", h, cost, err)
		}
	}
	return &users{
		byEmail: map[string]*user{DemoEmail: {Email: DemoEmail, Name: DemoName, hash: []byte(DemoPasswordHash)}},
		decoy:   []byte(decoyHash),
	}, nil
}

// check returns the user whose password matches, or nil.
func (u *users) check(email, password string) *user {
	account := u.byEmail[strings.ToLower(email)]
	hash := u.decoy
	if account != nil {
		hash = account.hash
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || account == nil {
		return nil
	}
	return account
}

// tokens signs and verifies the app's JWTs.
type tokens struct {
	secret []byte
	now    func() time.Time
}

// sign returns an HS256 token for u that expires after ttl, with the same
// claims jsonwebtoken writes: sub, name, iat, exp.
func (t tokens) sign(u *user, ttl time.Duration) (string, error) {
	now := t.now()
	claims := jwt.MapClaims{
		"sub":  u.Email,
		"name": u.Name,
		"iat":  now.Unix(),
		"exp":  now.Add(ttl).Unix(),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.secret)
}

var errBadToken = errors.New("invalid or expired token")

// verify returns the subject of a valid, unexpired HS256 token. The method
// is pinned: "none" or any other algorithm fails whatever the signature.
func (t tokens) verify(token string) (string, error) {
	parsed, err := jwt.Parse(token, func(*jwt.Token) (any, error) { return t.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		return "", fmt.Errorf("%w: %w", errBadToken, err)
	}
	sub, err := parsed.Claims.GetSubject()
	if err != nil || sub == "" {
		return "", errBadToken
	}
	return sub, nil
}

// validEmail is the same loose check as the Express app's: something@something,
// no spaces, at most 254 characters.
func validEmail(s string) bool {
	if len(s) > 254 || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && domain != "" && !strings.Contains(domain, "@")
}
