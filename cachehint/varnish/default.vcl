vcl 4.1;

# default.vcl: Varnish 7.1 configuration that goes with cachehint.
#
# It caches pages for everybody even when requests carry cookies, which is
# safe ONLY because the origin runs cachehint.Middleware: every response that
# read the session or sets a cookie is marked "private" or "no-store" by the
# origin, and this file trusts those marks. Without that gate, a page built
# from one visitor's cookies would be served to the next visitor.
# See the "Why the VCL is only safe with the origin gate" section of the
# cachehint package documentation.
#
# Requires the xkey vmod (Debian package varnish-modules). Without it, delete
# the lines marked "XKEY"; PURGE then answers 501 and cachehint.VarnishPurger
# falls back to BAN, which needs no vmod.
#
# Listeners. Start varnishd with a dedicated, loopback-only purge listener
# next to the client one, and (behind a TLS terminator) a PROXY one:
#
#   varnishd -a 127.0.0.1:6081 -a purge=127.0.0.1:6091 [-a proxy=127.0.0.1:6086,PROXY] ...
#
# PURGE and BAN are accepted only on the listener named "purge" (checked
# with local.socket), from the "purgers" ACL, and, when varnishd's
# environment has CACHEHINT_PURGE_SECRET set, only with a "Purge-Secret"
# header equal to it. A proxy on the same host (a TLS terminator) forwards
# to the client listener, where every purge is refused even though every
# client then looks like 127.0.0.1. A TLS terminator should speak the PROXY
# protocol to a ",PROXY" listener, so that client.ip (and the
# X-Forwarded-For that Varnish sends to the origin) is the real client.
#
# Purge protocol (what cachehint.VarnishPurger sends to the purge listener):
#   PURGE / with "xkey-purge: tag1 tag2"  -> xkey.purge (or xkey.softpurge
#                                            when "xkey-soft: 1" is set)
#   BAN /   with "xkey-ban: tag1 tag2"    -> ban of objects whose xkey
#                                            header holds one of the tags
# Both headers must be a whitespace-separated list of RFC 9110 tokens
# (cachehint.ValidTag); anything else is refused with 400 before use, and
# the ban expression is built here, from the checked tags, regex-quoted.

import std;
import xkey; # XKEY

# The origin. Tests replace this address by string substitution.
backend default {
    .host = "127.0.0.1";
    .port = "8080";
}

# Who may PURGE and BAN on the purge listener: the local machine.
# CONFIGURE: add the application servers' addresses if they purge from
# other hosts (then bind the purge listener to a private address and set
# CACHEHINT_PURGE_SECRET).
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE" || req.method == "BAN") {
        call cachehint_purge;
    }
    # The builtin checks we keep: Host, methods (anything but GET/HEAD is
    # passed) and Authorization (passed).
    call vcl_req_host;
    call vcl_req_method;
    call vcl_req_authorization;

    # The builtin vcl_req_cookie is deliberately NOT called: it passes every
    # request that carries a cookie, so a site whose visitors all have a
    # session cookie would never hit the cache. Instead, cookies other than
    # the session's are dropped, and the session cookies go to the origin
    # untouched, in their order, duplicates included (the first of a name
    # wins in clientsession and jsclient), on a miss or pass. They never
    # enter the hash (vcl_hash).
    if (req.http.Cookie) {
        # Several Cookie lines (HTTP/2 sends one per cookie) become one, in
        # order: VCL reads only the first line of a header.
        std.collect(req.http.Cookie, "; ");
        # Delete every pair whose name does not start with the session
        # prefix, keeping the others byte for byte.
        # CONFIGURE: the session cookie prefix (clientsession Options.Prefix).
        # The default "session." is kept with or without a __Host- or
        # __Secure- cookie prefix in front of it.
        set req.http.Cookie = regsuball(req.http.Cookie,
            "(^|;)(?![ \t]*(__Host-|__Secure-)?session\.)[^;]*", "");
        set req.http.Cookie = regsub(req.http.Cookie, "^[; \t]+", "");
        if (req.http.Cookie == "") {
            unset req.http.Cookie;
        }
    }
    return (hash);
}

# PURGE and BAN: see the header of this file. Every path ends in synth.
sub cachehint_purge {
    if (local.socket != "purge" || client.ip !~ purgers) {
        return (synth(403, "Forbidden"));
    }
    if (std.getenv("CACHEHINT_PURGE_SECRET") ~ "." &&
        req.http.Purge-Secret != std.getenv("CACHEHINT_PURGE_SECRET")) {
        return (synth(403, "Forbidden"));
    }
    unset req.http.Purge-Secret;
    if (req.method == "PURGE") {
        # RFC 9110 tokens separated by spaces or tabs, nothing else.
        if (req.http.xkey-purge !~ "^[ \t]*[-!#$%&'*+.^_`|~0-9A-Za-z]+([ \t]+[-!#$%&'*+.^_`|~0-9A-Za-z]+)*[ \t]*$") {
            return (synth(400, "PURGE needs an xkey-purge header of tokens"));
        }
        # Without the xkey vmod, replace the if/else below by:
        # return (synth(501, "xkey not available"));
        if (req.http.xkey-soft) { # XKEY
            set req.http.xkey-gone = xkey.softpurge(req.http.xkey-purge); # XKEY
        } else { # XKEY
            set req.http.xkey-gone = xkey.purge(req.http.xkey-purge); # XKEY
        } # XKEY
        return (synth(200, "Purged " + req.http.xkey-gone));
    }
    if (req.http.xkey-ban !~ "^[ \t]*[-!#$%&'*+.^_`|~0-9A-Za-z]+([ \t]+[-!#$%&'*+.^_`|~0-9A-Za-z]+)*[ \t]*$") {
        return (synth(400, "BAN needs an xkey-ban header of tokens"));
    }
    # The checked tags become "tag1|tag2", each with the token characters
    # that are special in a regex escaped. The result holds no whitespace
    # and no quote, so it stays one argument of the ban expression. A tag
    # matches when it is a whole item of the (space or comma separated)
    # xkey list.
    set req.http.xkey-ban-re = regsuball(req.http.xkey-ban, "^[ \t]+|[ \t]+$", "");
    set req.http.xkey-ban-re = regsuball(req.http.xkey-ban-re, "([$*+.^|#])", "\\\1");
    set req.http.xkey-ban-re = regsuball(req.http.xkey-ban-re, "[ \t]+", "|");
    if (std.ban("obj.http.xkey ~ (^|[[:space:],])(" + req.http.xkey-ban-re + ")($|[[:space:],])")) {
        return (synth(200, "Banned"));
    }
    return (synth(400, std.ban_error()));
}

sub vcl_hash {
    # URL and host only: never the Cookie header.
    hash_data(req.url);
    if (req.http.host) {
        hash_data(req.http.host);
    } else {
        hash_data(server.ip);
    }
    return (lookup);
}

sub vcl_backend_response {
    # Reserved for the hit-for-miss marker below.
    unset beresp.http.X-Cachehint-Vary;
    if (bereq.uncacheable) {
        return (deliver);
    }
    # VCL reads only the first header of a name: join repeated ones first.
    std.collect(beresp.http.Cache-Control);
    std.collect(beresp.http.Vary);
    # Trust the origin. A response that sets a cookie, is marked private,
    # no-store or no-cache (in Cache-Control or a CDN header), varies on
    # Cookie or carries no freshness information at all is never stored:
    # it becomes hit-for-miss, so every request for it goes to the origin.
    # Unlike the builtin, a Surrogate-Control header cannot override
    # Cache-Control: private here, and heuristic freshness (default_ttl)
    # is never used.
    if (beresp.http.Set-Cookie ||
        beresp.http.Cache-Control ~ "(?i)(private|no-store|no-cache)" ||
        beresp.http.CDN-Cache-Control ~ "(?i)(private|no-store|no-cache)" ||
        beresp.http.Surrogate-Control ~ "(?i)no-store" ||
        beresp.http.Vary ~ "(?i)(^|[[:space:],])(cookie|\*)($|[[:space:],])" ||
        (!beresp.http.Cache-Control && !beresp.http.Expires &&
         !beresp.http.CDN-Cache-Control && !beresp.http.Surrogate-Control)) {
        set beresp.ttl = 120s;
        set beresp.uncacheable = true;
        # The hit-for-miss marker need not vary: it is never delivered, and
        # every request that finds it goes to the origin. Stored with
        # "Vary: Cookie", each visitor would leave a marker of their own,
        # each lookup would compare the visitor's cookies with all of them,
        # and would queue behind any other visitor's fetch of the URL.
        # vcl_deliver gives the client its Vary back.
        if (beresp.http.Vary) {
            set beresp.http.X-Cachehint-Vary = beresp.http.Vary;
            unset beresp.http.Vary;
        }
        return (deliver);
    }
    # RFC 9213: CDN-Cache-Control gives this cache its own freshness
    # lifetime and stale-while-revalidate window (grace).
    if (beresp.http.CDN-Cache-Control ~ "(?i)(^|[[:space:],])max-age=[0-9]+") {
        set beresp.ttl = std.duration(regsub(beresp.http.CDN-Cache-Control,
            "(?i)^(.*[[:space:],])?max-age=([0-9]+).*$", "\2") + "s", beresp.ttl);
    }
    if (beresp.http.CDN-Cache-Control ~ "(?i)(^|[[:space:],])stale-while-revalidate=[0-9]+") {
        set beresp.grace = std.duration(regsub(beresp.http.CDN-Cache-Control,
            "(?i)^(.*[[:space:],])?stale-while-revalidate=([0-9]+).*$", "\2") + "s", beresp.grace);
    }
    # One xkey line, so that BAN (which reads only the first header of a
    # name) sees every tag.
    if (beresp.http.xkey) {
        std.collect(beresp.http.xkey, " ");
    }
    # The builtin vcl_backend_response runs next (ttl <= 0 becomes
    # hit-for-miss, among others).
}

sub vcl_deliver {
    # X-Cache: HIT (served from cache), MISS (fetched and possibly stored)
    # or PASS (uncacheable: pass, hit-for-miss or hit-for-pass).
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    # Tags are for this cache, not for browsers.
    unset resp.http.xkey;
    if (resp.http.X-Cachehint-Vary) {
        set resp.http.Vary = resp.http.X-Cachehint-Vary;
        unset resp.http.X-Cachehint-Vary;
    }
}
