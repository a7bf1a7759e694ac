/*
 * Gatehouse WebAuthn helper: plain JavaScript, no dependencies, no build
 * step, served from the binary.
 *
 * Pages wire it with data attributes, so no inline script is needed:
 *
 *   <meta name="csrf-token" content="...">
 *   <button type="button" data-webauthn="register" data-begin="/b" data-finish="/f"
 *           data-name-input="key-name">Add a key</button>          (Security tab)
 *   <button type="button" data-webauthn="login" ...>Use my key</button>   (second factor)
 *   <button type="button" data-webauthn="passkey" ...>Sign in with a passkey</button>
 *   <input autocomplete="username webauthn" data-webauthn="conditional" ...>  (autofill)
 *   <p data-webauthn-error hidden data-message="Your key could not be used. Try again."></p>
 *
 * HTTP shape. The helper POSTs JSON with the header X-CSRF-Token (from
 * data-csrf or the csrf-token meta tag):
 *   begin  request {}                          answer {"session": "...", "options": {"publicKey": {...}}}
 *   finish request {"session": "...", "name": "...", "credential": <PublicKeyCredential JSON>}
 *          answer  {"redirect": "/next"} (followed with a GET when it is a local path),
 *                  {"post": "/next"} (when it is a local path, a form with the CSRF token
 *                  in its "csrf" field is posted there: the next step changes state, so
 *                  it is never a GET) or an HTTP error.
 * "session" may be absent when the server keeps the ceremony ID in a cookie.
 * On error the page's own message (data-message) is shown, never server text.
 *
 * The same functions are exported as window.GatehouseWebAuthn for pages
 * that drive the ceremonies themselves.
 */
(function () {
  "use strict";

  var PKC = window.PublicKeyCredential;
  var pending = null; // AbortController of the running navigator.credentials.get

  function supported() {
    return !!(PKC && navigator.credentials && window.fetch);
  }

  function b64urlToBuf(s) {
    s = String(s).replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s);
    var buf = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
    return buf.buffer;
  }

  function bufToB64url(buf) {
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIDs(list) {
    return (list || []).map(function (c) {
      return Object.assign({}, c, { id: b64urlToBuf(c.id) });
    });
  }

  // creationOptions turns the server's publicKey JSON into create() options.
  function creationOptions(pk) {
    if (PKC && typeof PKC.parseCreationOptionsFromJSON === "function") {
      return PKC.parseCreationOptionsFromJSON(pk);
    }
    var o = Object.assign({}, pk);
    o.challenge = b64urlToBuf(pk.challenge);
    o.user = Object.assign({}, pk.user, { id: b64urlToBuf(pk.user.id) });
    o.excludeCredentials = withIDs(pk.excludeCredentials);
    return o;
  }

  // requestOptions turns the server's publicKey JSON into get() options.
  function requestOptions(pk) {
    if (PKC && typeof PKC.parseRequestOptionsFromJSON === "function") {
      return PKC.parseRequestOptionsFromJSON(pk);
    }
    var o = Object.assign({}, pk);
    o.challenge = b64urlToBuf(pk.challenge);
    o.allowCredentials = withIDs(pk.allowCredentials);
    return o;
  }

  // credentialJSON serializes a PublicKeyCredential for the server.
  function credentialJSON(cred) {
    if (typeof cred.toJSON === "function") {
      try {
        return cred.toJSON();
      } catch (e) {
        // Fall through to the manual encoding.
      }
    }
    var r = cred.response;
    var out = {
      id: cred.id,
      rawId: bufToB64url(cred.rawId),
      type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: bufToB64url(r.clientDataJSON) }
    };
    if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
    if (r.attestationObject) {
      out.response.attestationObject = bufToB64url(r.attestationObject);
      if (typeof r.getTransports === "function") out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = bufToB64url(r.authenticatorData);
      out.response.signature = bufToB64url(r.signature);
      if (r.userHandle) out.response.userHandle = bufToB64url(r.userHandle);
    }
    return out;
  }

  // abort cancels a running get(), such as a waiting conditional request.
  function abort() {
    if (pending) {
      pending.abort();
      pending = null;
    }
  }

  // create runs a registration ceremony for options {"publicKey": {...}}.
  async function create(options) {
    abort();
    var cred = await navigator.credentials.create({ publicKey: creationOptions(options.publicKey || options) });
    return credentialJSON(cred);
  }

  // get runs an assertion ceremony, with conditional mediation (autofill)
  // when conditional is true.
  async function get(options, conditional) {
    abort();
    var ctrl = new AbortController();
    pending = ctrl;
    var req = { publicKey: requestOptions(options.publicKey || options), signal: ctrl.signal };
    if (conditional) req.mediation = "conditional";
    try {
      return credentialJSON(await navigator.credentials.get(req));
    } finally {
      if (pending === ctrl) pending = null;
    }
  }

  // post sends JSON with the CSRF token and returns the JSON answer.
  async function post(url, csrf, payload) {
    var res = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf || "" },
      body: JSON.stringify(payload || {})
    });
    var data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    if (!res.ok) {
      var err = new Error("webauthn request failed");
      err.status = res.status;
      err.data = data;
      throw err;
    }
    return data || {};
  }

  function isLocal(to) {
    return typeof to === "string" && to.charAt(0) === "/" && to.charAt(1) !== "/" && to.charAt(1) !== "\\";
  }

  // postForm navigates by submitting a form with the CSRF token, as the
  // pages' own forms do (so the page's CSP form-action applies).
  function postForm(to, csrf) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = to;
    form.hidden = true;
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "csrf";
    input.value = csrf || "";
    form.appendChild(input);
    document.body.appendChild(form);
    form.submit();
  }

  // follow goes where a finish answer says: a POST for "post", a GET for
  // "redirect"; only local paths are followed.
  function follow(done, csrf) {
    if (done && isLocal(done.post)) {
      postForm(done.post, csrf);
    } else if (done && isLocal(done.redirect)) {
      window.location.assign(done.redirect);
    }
    return done;
  }

  // run performs one ceremony: begin, the browser step, finish.
  // cfg: {begin, finish, csrf, name, conditional}.
  async function run(kind, cfg) {
    var begun = await post(cfg.begin, cfg.csrf, {});
    var cred = kind === "register" ? await create(begun.options) : await get(begun.options, !!cfg.conditional);
    var payload = { credential: cred };
    if (begun.session) payload.session = begun.session;
    if (cfg.name != null) payload.name = cfg.name;
    return follow(await post(cfg.finish, cfg.csrf, payload), cfg.csrf);
  }

  function isAbort(e) {
    return e && e.name === "AbortError";
  }

  // startConditional waits for a passkey chosen from the browser's autofill.
  // It resolves to false when conditional mediation is unavailable.
  async function startConditional(cfg) {
    if (!supported() || typeof PKC.isConditionalMediationAvailable !== "function") return false;
    if (!(await PKC.isConditionalMediationAvailable())) return false;
    run("passkey", Object.assign({}, cfg, { conditional: true })).catch(function (e) {
      if (!isAbort(e) && cfg.onError) cfg.onError(e);
    });
    return true;
  }

  function csrfOf(el) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return el.getAttribute("data-csrf") || (meta ? meta.getAttribute("content") : "");
  }

  function showError(e) {
    if (isAbort(e)) return;
    var box = document.querySelector("[data-webauthn-error]");
    if (box) {
      box.textContent = box.getAttribute("data-message") || "Your security key or passkey could not be used. Please try again.";
      box.hidden = false;
    }
  }

  function configOf(el) {
    var cfg = { begin: el.getAttribute("data-begin"), finish: el.getAttribute("data-finish"), csrf: csrfOf(el), onError: showError };
    var nameID = el.getAttribute("data-name-input");
    if (nameID) {
      var input = document.getElementById(nameID);
      cfg.name = input ? input.value : "";
    }
    return cfg;
  }

  function wire() {
    var els = document.querySelectorAll("[data-webauthn]");
    Array.prototype.forEach.call(els, function (el) {
      var kind = el.getAttribute("data-webauthn");
      if (!supported()) {
        if (kind !== "conditional") el.hidden = true;
        return;
      }
      if (kind === "conditional") {
        startConditional(configOf(el));
        return;
      }
      el.addEventListener("click", function (ev) {
        ev.preventDefault();
        if (el.disabled) return;
        el.disabled = true;
        run(kind, configOf(el)).catch(showError).finally(function () {
          el.disabled = false;
        });
      });
    });
  }

  window.GatehouseWebAuthn = {
    supported: supported,
    create: create,
    get: get,
    post: post,
    abort: abort,
    register: function (cfg) { return run("register", cfg); },
    login: function (cfg) { return run("login", cfg); },
    passkeyLogin: function (cfg) { return run("passkey", cfg); },
    startConditional: startConditional
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
