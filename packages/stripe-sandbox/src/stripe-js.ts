import type { ServerResponse } from 'node:http';

/**
 * A stand-in for js.stripe.com/v3 served by the sandbox at `/v3/`, so an
 * embedded card form (Payment Intent + client secret) works offline exactly as
 * it would with Stripe.js: `Stripe(pk).elements().create('card').mount(el)`,
 * then `confirmCardPayment(clientSecret, { payment_method: { card } })`. Like
 * Stripe.js, it creates the PaymentMethod with the publishable key and confirms
 * with the client secret; the raw card number goes to the sandbox only, never
 * to the app's server. A 3-D Secure card opens the sandbox's challenge page in
 * an overlay and resolves once the intent leaves `requires_action`.
 *
 * Only the subset Tillflow's generated app uses is implemented.
 */
const SCRIPT = String.raw`(function () {
  var script = document.currentScript;
  var base = script && script.src ? new URL(script.src).origin : location.origin;

  function form(params) {
    var out = [];
    (function add(prefix, value) {
      if (value === undefined || value === null) return;
      if (typeof value === 'object') {
        Object.keys(value).forEach(function (k) { add(prefix ? prefix + '[' + k + ']' : k, value[k]); });
      } else out.push(encodeURIComponent(prefix) + '=' + encodeURIComponent(String(value)));
    })('', params);
    return out.join('&');
  }

  function api(key, method, path, params) {
    var body = form(Object.assign({ key: key }, params || {}));
    var url = base + path + (method === 'GET' ? '?' + body : '');
    return fetch(url, {
      method: method,
      headers: method === 'GET' ? {} : { 'content-type': 'application/x-www-form-urlencoded' },
      body: method === 'GET' ? undefined : body,
    }).then(function (res) {
      return res.json().then(function (json) { return json.error ? { error: json.error } : { data: json }; });
    });
  }

  function field(labelText, name, attrs) {
    var label = document.createElement('label');
    label.style.cssText = 'display:flex;flex-direction:column;gap:2px;min-width:0;font:14px system-ui,sans-serif';
    label.textContent = labelText;
    var input = document.createElement('input');
    input.name = name;
    Object.keys(attrs).forEach(function (k) { input.setAttribute(k, attrs[k]); });
    input.style.cssText = 'box-sizing:border-box;width:100%;min-width:0;padding:6px 8px;border:1px solid #ccc;border-radius:4px;font:inherit';
    label.appendChild(input);
    return { label: label, input: input };
  }

  function CardElement() {
    this._root = null;
    this._inputs = null;
    this._handlers = {};
  }
  CardElement.prototype.mount = function (target) {
    var el = typeof target === 'string' ? document.querySelector(target) : target;
    if (!el) throw new Error('Stripe sandbox: nothing to mount the card element on.');
    var root = document.createElement('div');
    root.setAttribute('data-stripe-sandbox', 'card');
    // Number on its own row, expiry and CVC below: fits a phone-width column without overflowing.
    root.style.cssText = 'display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);align-items:end;gap:8px';
    var number = field('Card number', 'cardnumber', { inputmode: 'numeric', autocomplete: 'cc-number', placeholder: '4242 4242 4242 4242' });
    var expiry = field('Expiration date (MM / YY)', 'exp-date', { inputmode: 'numeric', autocomplete: 'cc-exp', placeholder: 'MM / YY' });
    var cvc = field('CVC', 'cvc', { inputmode: 'numeric', autocomplete: 'cc-csc', placeholder: '123' });
    var self = this;
    number.label.style.gridColumn = '1 / -1';
    [number, expiry, cvc].forEach(function (f) {
      root.appendChild(f.label);
      f.input.addEventListener('input', function () { self._emit('change', { elementType: 'card', complete: self._complete(), empty: !number.input.value }); });
    });
    el.appendChild(root);
    this._root = root;
    this._inputs = { number: number.input, expiry: expiry.input, cvc: cvc.input };
    this._emit('ready', {});
  };
  CardElement.prototype._complete = function () {
    var i = this._inputs;
    return !!i && i.number.value.replace(/\D/g, '').length >= 12 && /\d{1,2}\s*\/\s*\d{2,4}/.test(i.expiry.value) && i.cvc.value.length >= 3;
  };
  CardElement.prototype._card = function () {
    var i = this._inputs;
    if (!i) return null;
    var m = /(\d{1,2})\s*\/\s*(\d{2,4})/.exec(i.expiry.value);
    return {
      number: i.number.value.replace(/\s/g, ''),
      exp_month: m ? m[1] : '',
      exp_year: m ? m[2] : '',
      cvc: i.cvc.value,
    };
  };
  CardElement.prototype.on = function (event, handler) {
    (this._handlers[event] = this._handlers[event] || []).push(handler);
    return this;
  };
  CardElement.prototype._emit = function (event, payload) {
    (this._handlers[event] || []).forEach(function (h) { h(payload); });
  };
  CardElement.prototype.focus = function () { if (this._inputs) this._inputs.number.focus(); };
  CardElement.prototype.clear = function () {
    if (!this._inputs) return;
    this._inputs.number.value = this._inputs.expiry.value = this._inputs.cvc.value = '';
  };
  CardElement.prototype.unmount = function () {
    if (this._root && this._root.parentNode) this._root.parentNode.removeChild(this._root);
    this._root = null;
  };
  CardElement.prototype.destroy = CardElement.prototype.unmount;

  function localError(message, code) {
    return { error: { type: 'validation_error', code: code, message: message } };
  }

  // A 3-D Secure challenge: the sandbox's page in an overlay; done when the intent leaves requires_action.
  function authenticate(key, pi, clientSecret) {
    var url = pi.next_action && pi.next_action.redirect_to_url && pi.next_action.redirect_to_url.url;
    if (!url) return Promise.resolve({ paymentIntent: pi });
    var overlay = document.createElement('div');
    overlay.setAttribute('role', 'dialog');
    overlay.setAttribute('aria-label', 'Authenticate your payment');
    overlay.style.cssText = 'position:fixed;inset:0;background:rgba(0,0,0,.5);display:flex;align-items:center;justify-content:center;z-index:2147483647';
    var frame = document.createElement('iframe');
    frame.title = 'Authenticate your payment';
    frame.src = url;
    frame.style.cssText = 'width:min(420px,95vw);height:min(520px,90vh);border:0;border-radius:8px;background:#fff';
    overlay.appendChild(frame);
    document.body.appendChild(overlay);
    return new Promise(function (resolve) {
      (function poll() {
        api(key, 'GET', '/v1/payment_intents/' + pi.id, { client_secret: clientSecret }).then(function (r) {
          if (r.data && r.data.status === 'requires_action') return setTimeout(poll, 400);
          overlay.remove();
          if (r.error) return resolve({ error: r.error });
          var intent = r.data;
          if (intent.last_payment_error && intent.status === 'requires_payment_method')
            return resolve({ error: Object.assign({ payment_intent: intent }, intent.last_payment_error) });
          resolve({ paymentIntent: intent });
        }, function () { setTimeout(poll, 1000); });
      })();
    });
  }

  function Stripe(key) {
    if (!(this instanceof Stripe)) return new Stripe(key);
    if (typeof key !== 'string' || key.indexOf('pk_') !== 0)
      throw new Error('Stripe sandbox: Stripe() needs a publishable key (pk_...).');
    this._key = key;
  }
  Stripe.prototype.elements = function () {
    return { create: function (type) {
      if (type !== 'card') throw new Error('Stripe sandbox: only the "card" element is available.');
      return new CardElement();
    } };
  };
  Stripe.prototype.retrievePaymentIntent = function (clientSecret) {
    var id = String(clientSecret).split('_secret_')[0];
    return api(this._key, 'GET', '/v1/payment_intents/' + id, { client_secret: clientSecret }).then(function (r) {
      return r.error ? { error: r.error } : { paymentIntent: r.data };
    });
  };
  Stripe.prototype.confirmCardPayment = function (clientSecret, data) {
    var key = this._key;
    var id = String(clientSecret || '').split('_secret_')[0];
    if (!/^pi_/.test(id)) return Promise.resolve(localError('Invalid client secret.', 'invalid_client_secret'));
    var pm = data && data.payment_method;
    var created;
    if (typeof pm === 'string') created = Promise.resolve({ data: { id: pm } });
    else {
      var card = pm && pm.card instanceof CardElement ? pm.card._card() : null;
      if (!card) return Promise.resolve(localError('Mount a card element and pass it as payment_method.card.', 'incomplete'));
      if (!card.number) return Promise.resolve(localError('Your card number is incomplete.', 'incomplete_number'));
      if (!card.exp_month) return Promise.resolve(localError("Your card's expiration date is incomplete.", 'incomplete_expiry'));
      created = api(key, 'POST', '/v1/payment_methods', { type: 'card', card: card, billing_details: pm.billing_details });
    }
    return created.then(function (r) {
      if (r.error) return { error: r.error };
      return api(key, 'POST', '/v1/payment_intents/' + id + '/confirm', {
        client_secret: clientSecret,
        payment_method: r.data.id,
        return_url: data && data.return_url,
      }).then(function (c) {
        if (c.error) return { error: c.error };
        if (c.data.status === 'requires_action') return authenticate(key, c.data, clientSecret);
        return { paymentIntent: c.data };
      });
    });
  };
  window.Stripe = Stripe;
})();
`;

/** Serves the script at `/v3` and `/v3/`; false for any other path. */
export function handleStripeJs(path: string, res: ServerResponse): boolean {
  if (path !== '/v3' && path !== '/v3/') return false;
  res.writeHead(200, {
    'content-type': 'application/javascript; charset=utf-8',
    'cache-control': 'no-cache',
    'access-control-allow-origin': '*',
  });
  res.end(SCRIPT);
  return true;
}
