package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// MaxFragmentsPerSource bounds the fragment counts kept per outlet (see
// Fragments): 128 fields is the most Redis keeps in a hash's compact encoding
// (hash-max-listpack-entries), about 3 KB per outlet. An article brings up to a
// dozen fragments, most of them its own, so the hash fills every ten or so
// articles; the pruning keeps the fragments seen most, which is what an outlet's
// template is.
const MaxFragmentsPerSource = 128

// fragmentsScript counts the fragments of one article in its outlet's hash, and
// replies with how many of the outlet's earlier articles had each: in one round
// trip, and atomically, so two writers counting one outlet's articles at once both
// count. Nothing is counted when ARGV[3] is "0" (the caller only reads: a held
// post must not teach the outlet's template, and an article indexed already was
// counted when it was added). When the hash holds more than ARGV[2] fields, the
// ones seen least (ties by field, so a replay prunes alike) are dropped down to
// half of it.
//
// KEYS: 1 the outlet's fragment hash. ARGV: 1 TTL ms, 2 the most fields, 3 "1" to
// count, then the fragment keys. Reply: the counts before this article, in ARGV
// order.
const fragmentsScript = `
local counts = redis.call('HMGET', KEYS[1], unpack(ARGV, 4))
if ARGV[3] ~= '1' then
  for i = 1, #counts do counts[i] = tonumber(counts[i]) or 0 end
  return counts
end
for i = 4, #ARGV do redis.call('HINCRBY', KEYS[1], ARGV[i], 1) end
local most = tonumber(ARGV[2])
if redis.call('HLEN', KEYS[1]) > most then
  local all = redis.call('HGETALL', KEYS[1])
  local fields = {}
  for i = 1, #all, 2 do fields[#fields + 1] = {all[i], tonumber(all[i + 1])} end
  table.sort(fields, function(a, b)
    if a[2] ~= b[2] then return a[2] < b[2] end
    return a[1] < b[1]
  end)
  for i = 1, #fields - math.floor(most / 2) do redis.call('HDEL', KEYS[1], fields[i][1]) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
for i = 1, #counts do counts[i] = tonumber(counts[i]) or 0 end
return counts
`

// Fragments returns, for each of an article's fragment keys (stories.Fragments),
// in how many earlier articles of the same source (an outlet id, or
// "domain:<registrable domain>") it was seen; with learn, it also counts this
// article's, unless the article (canonical URL) is indexed already. Counts follow
// the order articles arrive in: a replay of one stream counts the same.
//
// The article's key and the source's hash are of two slots on a Redis Cluster
// (keys.go), so learning is two round trips: whether the article is indexed, then
// the count (fragmentsScript, in the hash's slot). Two writers of one new article
// at once may both count it, as they could when one script read both: the
// article's key appears only once it is added, after both counted.
func (r *Redis) Fragments(ctx context.Context, source, canonicalURL string, keys []string, learn bool) (counts []int64, err error) {
	if len(keys) == 0 || source == "" {
		return make([]int64, len(keys)), nil
	}
	defer r.track("fragments", time.Now(), &err)
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if learn {
		n, err := r.rdb.Exists(ctx, r.articleKey(ArticleID(canonicalURL))).Result()
		if err != nil {
			return nil, r.wrap("fragments", err)
		}
		learn = n == 0
	}
	flag := "0"
	if learn {
		flag = "1"
	}
	args := make([]any, 0, 3+len(keys))
	args = append(args, strconv.FormatInt(r.retention.Milliseconds(), 10), MaxFragmentsPerSource, flag)
	for _, k := range keys {
		args = append(args, k)
	}
	counts, err = r.fragmentsScript.Run(ctx, r.rdb, []string{r.fragmentsKey(source)}, args...).Int64Slice()
	if err != nil && err != redis.Nil {
		return nil, r.wrap("fragments", err)
	}
	if len(counts) != len(keys) {
		return nil, fmt.Errorf("store: fragments: %d counts for %d fragments", len(counts), len(keys))
	}
	return counts, nil
}
