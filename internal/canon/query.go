package canon

import (
	"cmp"
	"slices"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// normalizeQuery removes tracking and AMP parameters from a raw query, normalises the
// percent-encoding of the rest and sorts them (by name, then value) so that the key does
// not depend on the order a share button wrote them in. Exact duplicates are dropped.
// Pairs are split on "&" only: ";" is kept as data, as net/url has done since Go 1.17.
// An empty value is written without "=" ("?a=" and "?a" reach a server alike).
func normalizeQuery(raw string, dropAll bool) string {
	if dropAll || raw == "" {
		return ""
	}
	type param struct{ key, value string }
	var params []param
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		key, value, _ := strings.Cut(normalizeEscapes(part, isQueryByte), "=")
		if key == "" && value == "" || isTracking(key, value) {
			continue
		}
		params = append(params, param{key, value})
	}
	slices.SortFunc(params, func(a, b param) int {
		return cmp.Or(strings.Compare(a.key, b.key), strings.Compare(a.value, b.value))
	})
	params = slices.Compact(params)
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.key)
		if p.value != "" {
			b.WriteByte('=')
			b.WriteString(p.value)
		}
	}
	return b.String()
}

// isTracking reports whether a query parameter only says how a reader arrived (campaign
// tags, ad click ids, share-button and newsletter markers, AMP cache bookkeeping) rather
// than which page they asked for. key arrives with unreserved characters decoded.
//
// Names that identify content on some sites are kept even where they are usually noise:
// id, p, v, page, s (WordPress search), source, cid, mod, action, module, and ref, which
// is mostly a referral marker (ref=hn) but names records on enough sites that dropping it
// could merge different pages. Publishers whose articles are identified by their path
// alone lose their whole query instead (see pathIdentified).
func isTracking(key, value string) bool {
	k := strings.ToLower(key)
	switch k {
	case
		// Ad and social click identifiers: Facebook, Google Ads (gclid, gclsrc, dclid,
		// gbraid, wbraid), Microsoft Ads, Yandex, Twitter/X, TikTok, LinkedIn,
		// Instagram, Pinterest, Adobe, Google Merchant.
		"fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
		"twclid", "ttclid", "li_fat_id", "igshid", "igsh", "epik", "s_kwcid", "ef_id",
		"srsltid",
		// Analytics cookies passed in links: Google Analytics linker, HubSpot, Mailchimp,
		// Marketo, Openstat.
		"_ga", "_gl", "_hsenc", "_hsmi", "mc_cid", "mc_eid", "mkt_tok", "_openstat",
		// Publisher campaign and share markers: Microsoft/MSN (ocid), CNN and others
		// (cmpid, icid), the Guardian (CMP), the Times and the Daily Mail (ito), Adobe
		// (s_cid), NYT (smid, smtyp), Reuters (sr_share), Yahoo/AOL (taid, ncid,
		// guccounter), Le Monde and other AT Internet sites (xtor), Webtrends (wt_mc),
		// Twitter embeds (ref_src, ref_url), Bloomberg share links (sref), FT (sharetype),
		// Jetpack share buttons (share), Alibaba (spm), Twitter impressions.
		"ocid", "cmpid", "icid", "cmp", "ito", "s_cid", "smid", "smtyp", "sr_share", "taid",
		"ncid", "guccounter", "guce_referrer", "guce_referrer_sig", "xtor", "wt_mc",
		"ref_src", "ref_url", "sref", "sharetype", "share", "spm", "__twitter_impression",
		// AMP cache bookkeeping (the cache adds these to the publisher's URL).
		"usqp", "aoh", "ampshare":
		return true
	case "amp":
		// WordPress AMP and others: "?amp", "?amp=1", "?amp=true" ask for the AMP view.
		v := strings.ToLower(value)
		return v == "" || v == "1" || v == "true"
	case "outputtype":
		return strings.EqualFold(value, "amp") // The Washington Post's AMP view
	}
	for _, prefix := range [...]string{
		"utm_",  // Google Analytics campaign tags, used by every newsletter and social tool
		"at_",   // AT Internet / Piano (BBC: at_medium, at_campaign, at_link_id ...)
		"ns_",   // comScore (ns_mchannel, ns_campaign, ns_source ...)
		"pk_",   // Matomo/Piwik campaigns
		"mtm_",  // Matomo campaigns
		"hsa_",  // HubSpot ads
		"__hs",  // HubSpot (__hstc, __hssc, __hsfp)
		"oly_",  // Omeda (oly_enc_id, oly_anon_id)
		"vero_", // Vero emails
		"wt.",   // Webtrends (WT.mc_id, WT.z_...)
		"amp_",  // AMP cache (amp_js_v, amp_gsa, amp_ct, amp_tf, amp_r)
	} {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// pathIdentified reports whether host belongs to a publisher whose article URLs are
// identified by their path alone, so that its whole query is noise: NYT's
// "?action=click&module=Top%20Stories&pgtype=Homepage", Guardian live-blog block
// pointers, Daily Mail share markers and the like. On these sites the rel=canonical of
// an article carries no query. A site is listed only when no part of it that readers
// share (articles, live blogs, videos) needs the query: NPR, for one, still serves
// "story.php?storyId=...".
func pathIdentified(host string) bool {
	d, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return false
	}
	switch d {
	case "nytimes.com", "washingtonpost.com", "wsj.com", "latimes.com", "usatoday.com",
		"cnn.com", "foxnews.com", "nbcnews.com", "cbsnews.com", "politico.com", "axios.com",
		"theatlantic.com", "bloomberg.com", "reuters.com", "apnews.com",
		"theguardian.com", "bbc.co.uk", "bbc.com", "dailymail.co.uk", "telegraph.co.uk",
		"independent.co.uk", "ft.com", "aljazeera.com", "abc.net.au":
		return true
	}
	return false
}
