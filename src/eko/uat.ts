/** Eko's published UAT (sandbox) credentials: public, from Eko's own documentation. */
export const UAT = {
  baseUrl: 'https://staging.eko.in/ekoapi/v3',
  developerKey: 'becbbce45f79c6f5109f848acd540567',
  accessKey: 'd2fe1d99-6298-4af2-8cc5-d97dcf46df30',
  initiatorId: '9962981729',
  userCode: '20810200',
  customerMobile: '6111111111',
} as const;
