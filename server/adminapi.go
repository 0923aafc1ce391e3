package main

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/parallax-news/parallax/internal/store"
)

// The operator's view of what readers posted on a shared server (see
// internal/lookup/posts.go): who keeps unverified posts, what one token posted,
// and a purge of it, for a token that was used to post fake pages.

// isTokenID reports whether id is what tokenID gives: 12 lower-case hex digits.
func isTokenID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for _, r := range id {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}

// defaultPostsLimit is how many posts a listing gives unless asked for more.
const defaultPostsLimit = 100

type posterOut struct {
	Token    string    `json:"token"`
	Posts    int64     `json:"posts"`
	LastPost time.Time `json:"last_post"`
}

type postOut struct {
	URL     string    `json:"url"`
	Title   string    `json:"title"`
	Outlet  *string   `json:"outlet"`
	Domain  string    `json:"domain"`
	Status  string    `json:"status"`
	Posted  time.Time `json:"posted"`
	StoryID *string   `json:"story_id"`
}

// posterParam reads and checks the token query parameter.
func posterParam(c *echo.Context) (string, error) {
	id := c.QueryParam("token")
	if !isTokenID(id) {
		return "", errBadRequest("invalid_token_id", `token must be a token id: the first 12 hex digits of the token's SHA-256 (printf %s "$TOKEN" | sha256sum | cut -c1-12), as GET /api/v1/admin/posts lists them.`)
	}
	return id, nil
}

// listPosts handles GET /api/v1/admin/posts: the tokens keeping unverified posts,
// or with ?token= the posts of one, newest first (?limit=, 1 to 10,000).
func (a *api) listPosts(c *echo.Context) error {
	ctx := c.Request().Context()
	if c.QueryParam("token") == "" {
		list, err := a.store.Posters(ctx)
		if err != nil {
			return err
		}
		out := make([]posterOut, 0, len(list))
		for _, p := range list {
			out = append(out, posterOut{Token: p.Poster, Posts: p.Posts, LastPost: p.Last})
		}
		return c.JSON(http.StatusOK, map[string]any{"posters": out})
	}
	id, err := posterParam(c)
	if err != nil {
		return err
	}
	limit := defaultPostsLimit
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxPostsPerPoster {
			return errBadRequest("invalid_limit", "limit must be a whole number from 1 to 10000.")
		}
		limit = n
	}
	posts, total, err := a.store.PostsOf(ctx, id, limit)
	if err != nil {
		return err
	}
	out := make([]postOut, 0, len(posts))
	for _, p := range posts {
		out = append(out, postOut{
			URL: p.Article.URL, Title: p.Article.Title, Outlet: nilIfEmpty(p.Article.OutletID), Domain: p.Article.Domain,
			Status: p.Status, Posted: p.Posted, StoryID: nilIfEmpty(p.StoryID),
		})
	}
	return c.JSON(http.StatusOK, map[string]any{"token": id, "total": total, "posts": out})
}

// purgePosts handles DELETE /api/v1/admin/posts?token=: every unverified post of
// one token is deleted. What the index holds from publishers and feeds is not
// touched: a token's posts never entered it.
func (a *api) purgePosts(c *echo.Context) error {
	id, err := posterParam(c)
	if err != nil {
		return err
	}
	n, err := a.store.PurgePosts(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token": id, "purged": n})
}
