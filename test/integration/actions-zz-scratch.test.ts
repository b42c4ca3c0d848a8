import { it } from 'vitest';
import { startActionWorld } from '../helpers/action-kit.ts';
import { textOf } from '../helpers/browserless.ts';

it('explore', async () => {
  const w = await startActionWorld();
  const show = (label: string, r: { exitCode: number; stdout: string; stderr: string }) => console.log(label, r.exitCode, JSON.stringify(r.stdout), JSON.stringify(r.stderr));
  show('resend', await w.t1(['verification', 'resend', 'priya.natarajan@fabrikam.example', '--event', 'product-summit-2027', '--yes']));
  const mail = await w.sink.nextMail('priya.natarajan@fabrikam.example', { after: 0 });
  console.log(mail.subject, mail.links, mail.text);
  show('resend2', await w.t1(['verification', 'resend', 'priya.natarajan@fabrikam.example', '--event', 'product-summit-2027', '--yes']));
  show('ml', await w.t1(['magic-link', 'create', 'ngozi.okafor@litware.example', '--event', 'customer-day-live', '--yes']));
  show('ml8d', await w.t1(['magic-link', 'create', 'ngozi.okafor@litware.example', '--event', 'customer-day-live', '--yes', '--ttl', '8d']));
  show('ml2h', await w.t1(['--json', 'magic-link', 'create', 'ngozi.okafor@litware.example', '--event', 'customer-day-live', '--yes', '--ttl', '2h']));
  show('noyes', await w.t1(['magic-link', 'create', 'ngozi.okafor@litware.example', '--event', 'customer-day-live']));
  show('mfareset agent', await w.t1(['mfa', 'reset', 'hiroshi.tanaka@contoso.example', '--verified-by', 'video call', '--yes']));
  show('mfastatus', await w.t1(['mfa', 'status', 'hiroshi.tanaka@contoso.example']));
  show('maillog', await w.t1(['mail', 'log', 'priya.natarajan@fabrikam.example']));
  show('audit', await w.t1(['audit']));
  show('status', await w.t1(['status', 'priya.natarajan@fabrikam.example', '--event', 'product-summit-2027']));
  const b = w.browser();
  const page = await b.get(mail.link);
  console.log(page.status, textOf(page.body), page.setCookies);
  await w.close();
});
