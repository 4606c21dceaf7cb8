package probe

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// login logs in with the target's account; ttl > 0 asks the lab's hook for a
// token that lives ttl seconds. It returns the token, or an outcome that
// explains why there is none.
func (s *session) login(ctx context.Context, ttl int) (string, *outcome) {
	path := "/login"
	if ttl > 0 {
		path += fmt.Sprintf("?ttl=%d", ttl)
	}
	body, _ := json.Marshal(map[string]string{"email": s.t.Email, "password": s.t.Password})
	resp, err := s.postJSON(ctx, path, body)
	if err != nil {
		o := failed(nil, "POST /login failed: %v", err)
		return "", &o
	}
	if resp.status != http.StatusOK {
		o := skipped(resp, "could not log in as %s (%d: %s): the token probes need an account on the server",
			s.t.Email, resp.status, brief(resp.body))
		return "", &o
	}
	var got struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(resp.body, &got); err != nil || got.Token == "" {
		o := skipped(resp, "login answered 200 without a JSON {\"token\"}: %s", brief(resp.body))
		return "", &o
	}
	return got.Token, nil
}

func (s *session) me(ctx context.Context, token string) (*response, error) {
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return s.do(ctx, http.MethodGet, "/me", nil, h)
}

// tamper returns token with its payload's claims changed by edit and the
// original signature kept.
func tamper(token string, edit func(map[string]any)) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("not a JWT (%d parts)", len(parts))
	}
	claims, err := decodeSegment(parts[1])
	if err != nil {
		return "", err
	}
	edit(claims)
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2], nil
}

func decodeSegment(seg string) (map[string]any, error) {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return nil, fmt.Errorf("JWT segment is not base64url: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, fmt.Errorf("JWT segment is not a JSON object: %w", err)
	}
	return m, nil
}

// unsigned returns the token's claims under an "alg": "none" header with no
// signature: the classic attack on verifiers that trust the header.
func unsigned(token string) (string, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("not a JWT (%d parts)", len(parts))
	}
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	return header + "." + parts[1] + ".", nil
}

var tokenTamperProbe = Probe{
	Name:   "token-tamper",
	Lesson: RowAuth,
	Attack: "log in, then call GET /me with the token's subject changed, with alg \"none\", signed with a guessed " +
		"secret, garbled, and with no token",
	Expected: "200 for the genuine token, 401 for every forgery and for no token",
	run: func(ctx context.Context, s *session) outcome {
		token, o := s.login(ctx, 0)
		if o != nil {
			return *o
		}
		genuine, err := s.me(ctx, token)
		if err != nil {
			return failed(nil, "GET /me failed: %v", err)
		}
		if genuine.status != http.StatusOK {
			return failed(genuine, "the genuine token was refused (%d): %s", genuine.status, brief(genuine.body))
		}
		forged, err := tamper(token, func(c map[string]any) { c["sub"] = "admin@example.com" })
		if err != nil {
			return failed(genuine, "the server's token: %v", err)
		}
		none, _ := unsigned(token)
		claims, _ := decodeSegment(strings.Split(token, ".")[1])
		guessed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(claims)).SignedString([]byte("secret"))
		if err != nil {
			return failed(genuine, "signing with a guessed secret: %v", err)
		}
		attacks := []struct{ name, token string }{
			{"subject changed to admin@example.com", forged},
			{`alg "none", no signature`, none},
			{`signed with the secret "secret"`, guessed},
			{"garbled", "not.a.token"},
			{"no token", ""},
		}
		var last *response
		for _, a := range attacks {
			resp, err := s.me(ctx, a.token)
			if err != nil {
				return failed(nil, "GET /me (%s) failed: %v", a.name, err)
			}
			last = resp
			if resp.status != http.StatusUnauthorized {
				return failed(resp, "%s: answered %d, not 401: %s", a.name, resp.status, brief(resp.body))
			}
		}
		return passed(last, "genuine token 200; all %d forgeries 401", len(attacks))
	},
}

var tokenExpiryProbe = Probe{
	Name:   "token-expiry",
	Lesson: RowAuth,
	Attack: "log in asking the lab's hook for a 1-second token (POST /login?ttl=1), wait past its exp, call GET /me; " +
		"read the exp claim of the token",
	Expected: "a token that expires within 15 minutes, refused with 401 once it has",
	run: func(ctx context.Context, s *session) outcome {
		token, o := s.login(ctx, 1)
		if o != nil {
			return *o
		}
		claims, err := decodeSegment(strings.Split(token+"..", ".")[1])
		if err != nil {
			return failed(nil, "the server's token: %v", err)
		}
		exp, hasExp := claims["exp"].(float64)
		if !hasExp {
			return failed(nil, "the token has no exp claim: it never expires")
		}
		iat, hasIat := claims["iat"].(float64)
		if !hasIat {
			iat = float64(time.Now().Unix())
		}
		life := time.Duration(exp-iat) * time.Second
		if life > 15*time.Minute {
			return failed(nil, "the token lives %s, longer than 15 minutes", life)
		}
		if life > 5*time.Second {
			return passed(nil, "the token lives %s (the server ignored ?ttl, so rejection after expiry was not tested)", life)
		}
		fresh, err := s.me(ctx, token)
		if err != nil {
			return failed(nil, "GET /me failed: %v", err)
		}
		expiry := time.Unix(int64(exp), 0)
		// A token is expired from its exp second on; leave a margin for
		// the two clocks (the same one on loopback) and for rounding.
		select {
		case <-time.After(time.Until(expiry) + 1100*time.Millisecond):
		case <-ctx.Done():
			return failed(nil, "interrupted")
		}
		late, err := s.me(ctx, token)
		if err != nil {
			return failed(nil, "GET /me after expiry failed: %v", err)
		}
		if late.status != http.StatusUnauthorized {
			return failed(late, "after its exp the token still got %d: %s", late.status, brief(late.body))
		}
		return passed(late, "a %s token: %d while fresh, 401 after expiry", life, fresh.status)
	},
}
