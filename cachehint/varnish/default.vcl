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
# Purge protocol (what cachehint.VarnishPurger sends):
#   PURGE / with "xkey-purge: tag1 tag2"  -> xkey.purge (or xkey.softpurge
#                                            when "xkey-soft: 1" is set)
#   BAN /   with "xkey-ban: tag1|tag2"     -> ban of objects whose xkey
#                                            header holds one of the tags
# Both are accepted only from the "purgers" ACL below.

import std;
import cookie;
import xkey; # XKEY

# The origin. Tests replace this address by string substitution.
backend default {
    .host = "127.0.0.1";
    .port = "8080";
}

# Who may PURGE and BAN: the local machine only.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "PURGE needs an xkey-purge header"));
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
    if (req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-ban) {
            return (synth(400, "BAN needs an xkey-ban header"));
        }
        # The purger sends regex-quoted tags joined by "|"; a tag matches
        # when it is a whole item of the (space or comma separated) xkey list.
        if (std.ban("obj.http.xkey ~ (^|[[:space:],])(" + req.http.xkey-ban + ")($|[[:space:],])")) {
            return (synth(200, "Banned"));
        }
        return (synth(400, std.ban_error()));
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
    # untouched on a miss or pass. They never enter the hash (vcl_hash).
    if (req.http.Cookie) {
        cookie.parse(req.http.Cookie);
        # CONFIGURE: the session cookie prefix (clientsession Options.Prefix).
        # The default "session." is kept with or without a __Host- or
        # __Secure- cookie prefix in front of it.
        cookie.keep_re("^(__Host-|__Secure-)?session\.");
        set req.http.Cookie = cookie.get_string();
        if (req.http.Cookie == "") {
            unset req.http.Cookie;
        }
    }
    return (hash);
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
