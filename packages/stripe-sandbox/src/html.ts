export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
*,*::before,*::after{box-sizing:border-box}
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:#f6f8fa;color:#1a1f36}
main{max-width:920px;margin:0 auto;padding:32px 16px;display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:40px}
main>*{min-width:0}
@media (max-width:720px){main{grid-template-columns:minmax(0,1fr);gap:24px;padding:20px 12px}form{padding:16px}}
header.brand{display:flex;align-items:center;gap:12px;margin-bottom:16px;min-width:0;overflow-wrap:anywhere}
header.brand img{max-height:40px;max-width:120px;object-fit:contain}
.slogan{color:#697386;margin:4px 0 24px}
table{width:100%;border-collapse:collapse}td{padding:8px 0;border-bottom:1px solid #e3e8ee;overflow-wrap:anywhere}
td.amount{text-align:right}tr.total td{font-weight:600;border-bottom:none}
form{display:flex;flex-direction:column;gap:14px;background:#fff;padding:24px;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
label{display:flex;flex-direction:column;gap:6px;font-size:14px;color:#3c4257}
input{font:inherit;padding:10px;border:1px solid #cfd7df;border-radius:6px;width:100%;min-width:0}
.row{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:12px}
button{font:inherit;font-weight:600;padding:12px;border:0;border-radius:6px;background:#635bff;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#c0123c;border:1px solid #c0123c}
.error{color:#c0123c;background:#fff0f3;border:1px solid #f5c2cc;padding:10px;border-radius:6px}
.notice{color:#697386;font-size:13px}
`;

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}
