// Free-mail and throwaway email domains. Events that refuse public domains (the
// default) turn these away at registration, so registrants use their work address.
export const PUBLIC_EMAIL_DOMAINS: readonly string[] = [
  // Free mailbox providers
  'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.fr', 'ymail.com', 'rocketmail.com',
  'hotmail.com', 'hotmail.co.uk', 'hotmail.fr', 'outlook.com', 'live.com', 'msn.com', 'aol.com',
  'icloud.com', 'me.com', 'mac.com', 'mail.com', 'gmx.com', 'gmx.de', 'gmx.net', 'web.de',
  'yandex.com', 'yandex.ru', 'mail.ru', 'proton.me', 'protonmail.com', 'zoho.com', 'tutanota.com',
  'qq.com', '163.com', '126.com', 'naver.com', 'daum.net', 'rediffmail.com', 'libero.it', 'orange.fr',
  'free.fr', 'laposte.net', 't-online.de', 'seznam.cz', 'wp.pl', 'o2.pl', 'interia.pl',
  // Disposable inboxes
  'mailinator.com', 'guerrillamail.com', 'guerrillamail.net', 'sharklasers.com', '10minutemail.com',
  'temp-mail.org', 'tempmail.com', 'yopmail.com', 'trashmail.com', 'getnada.com', 'dispostable.com',
  'maildrop.cc', 'throwawaymail.com', 'fakeinbox.com', 'mintemail.com', 'spamgourmet.com',
];

const PUBLIC = new Set(PUBLIC_EMAIL_DOMAINS);

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

export function isPublicEmailDomain(email: string): boolean {
  return PUBLIC.has(emailDomain(email));
}
