// config holds the defaults of clientsession.Options, as JSON so that the Go
// tests can check them. jsclient.Handler serves the server's own settings in
// place of this file; npm users whose server differs call session.withConfig.
export default {
  "prefix": "__Host-session.",
  "path": "/",
  "sameSite": "Lax",
  "secure": true,
  "maxAge": 1209600,
  "maxCookieSize": 4096,
  "maxTotalSize": 6144,
  "protection": {},
  "privatePrefix": "_"
}
