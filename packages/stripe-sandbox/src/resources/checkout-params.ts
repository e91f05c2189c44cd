import { type Ctx, getObject } from '../context';
import { invalidRequest } from '../errors';
import type { FormObject } from '../form-decode';
import { arr, int, obj, str } from '../params';
import { createPrice } from './prices';

export function lineItemsFromParams(ctx: Ctx, body: FormObject, mode: string): any[] {
  const raw = arr(body, 'line_items');
  if (!raw || raw.length === 0)
    throw invalidRequest('Missing required param: line_items.', 'line_items', 'parameter_missing');
  return raw.map((entry, i) => {
    const param = `line_items[${i}]`;
    if (typeof entry !== 'object' || Array.isArray(entry)) throw invalidRequest(`Invalid ${param}`, param);
    const quantity = int(entry, 'quantity', { min: 1 });
    if (quantity === undefined)
      throw invalidRequest(`Missing required param: ${param}[quantity].`, `${param}[quantity]`, 'parameter_missing');
    const priceId = str(entry, 'price');
    const priceData = obj(entry, 'price_data');
    let price: any;
    if (priceId) price = getObject(ctx.account, 'prices', priceId, 'price', `${param}[price]`);
    else if (priceData) price = createPrice(ctx.account, priceData, `${param}[price_data]`);
    else throw invalidRequest(`Missing required param: ${param}[price].`, `${param}[price]`, 'parameter_missing');
    if (mode === 'payment' && price.recurring) {
      throw invalidRequest(
        'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
        `${param}[price]`,
      );
    }
    if (mode === 'subscription' && !price.recurring) {
      // Stripe allows one-time prices next to recurring ones; the sandbox needs at least one recurring.
      return { price, quantity, oneTime: true };
    }
    return { price, quantity };
  });
}

export function customText(body: FormObject) {
  const given = obj(body, 'custom_text') ?? {};
  const message = (name: string) => {
    const part = obj(given, name);
    const text = part ? str(part, 'message') : undefined;
    return text ? { message: text } : null;
  };
  return {
    after_submit: message('after_submit'),
    shipping_address: message('shipping_address'),
    submit: message('submit'),
    terms_of_service_acceptance: message('terms_of_service_acceptance'),
  };
}

/** Per-session branding (Stripe's `branding_settings`); the hosted page prefers it over the account brand. */
export function brandingSettings(body: FormObject) {
  const given = obj(body, 'branding_settings');
  if (!given) return {};
  const logo = obj(given, 'logo');
  const logoUrl = logo ? str(logo, 'url') : undefined;
  if (logoUrl && !/^https?:\/\//.test(logoUrl))
    throw invalidRequest('Invalid URL.', 'branding_settings[logo][url]', 'url_invalid');
  const buttonColor = str(given, 'button_color');
  if (buttonColor && !/^#[0-9a-fA-F]{3,8}$/.test(buttonColor)) {
    throw invalidRequest('Invalid hex color.', 'branding_settings[button_color]', 'parameter_invalid_string');
  }
  return {
    branding_settings: {
      background_color: str(given, 'background_color') ?? '#ffffff',
      border_style: str(given, 'border_style') ?? 'rounded',
      button_color: buttonColor ?? '#635bff',
      display_name: str(given, 'display_name') ?? '',
      font_family: str(given, 'font_family') ?? 'default',
      icon: null,
      logo: logoUrl ? { type: 'url', url: logoUrl } : null,
    },
  };
}
