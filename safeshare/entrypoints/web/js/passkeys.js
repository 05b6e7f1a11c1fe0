// safeshare: passkeys and security keys (WebAuthn) as the second factor. An enhancement:
// every page works without it (the authenticator app's code is always offered).
(function () {
  "use strict";

  function toBuffer(text) {
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var binary = atob(s);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function csrfToken() {
    return document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  }

  function options(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("options refused"); }
      return r.json();
    });
  }

  function finish(url, credential) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify({ credential: credential })
    }).then(function (r) {
      if (!r.ok) { throw new Error("not accepted"); }
      return r.json();
    });
  }

  function register(button) {
    return options(button.getAttribute("data-options")).then(function (o) {
      o.challenge = toBuffer(o.challenge);
      o.user.id = toBuffer(o.user.id);
      (o.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
      return navigator.credentials.create({ publicKey: o });
    }).then(function (cred) {
      return finish(button.getAttribute("data-finish"), {
        id: cred.id,
        rawId: toText(cred.rawId),
        type: cred.type,
        response: {
          clientDataJSON: toText(cred.response.clientDataJSON),
          attestationObject: toText(cred.response.attestationObject)
        },
        clientExtensionResults: cred.getClientExtensionResults()
      });
    });
  }

  function signIn(button) {
    return options(button.getAttribute("data-options")).then(function (o) {
      o.challenge = toBuffer(o.challenge);
      (o.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
      return navigator.credentials.get({ publicKey: o });
    }).then(function (cred) {
      var r = cred.response;
      return finish(button.getAttribute("data-finish"), {
        id: cred.id,
        rawId: toText(cred.rawId),
        type: cred.type,
        response: {
          clientDataJSON: toText(r.clientDataJSON),
          authenticatorData: toText(r.authenticatorData),
          signature: toText(r.signature),
          userHandle: r.userHandle ? toText(r.userHandle) : null
        },
        clientExtensionResults: cred.getClientExtensionResults()
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.PublicKeyCredential) { return; }
    var problem = document.getElementById("passkey-problem");
    document.querySelectorAll("[data-passkey]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var ceremony = button.getAttribute("data-passkey") === "register" ? register : signIn;
        ceremony(button).then(function (done) {
          window.location.assign(done.next);
        }).catch(function () {
          if (problem) { problem.hidden = false; }
        });
      });
    });
  });
}());
