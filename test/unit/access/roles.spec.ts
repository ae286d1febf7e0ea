import { AccessRule, permissionOf } from '../../../src/modules/access/roles';

describe('permissionOf', () => {
  const marketerRule: AccessRule = { grants: ['marketer'] };
  const adminRule: AccessRule = { grants: [] };
  const scopedRule: AccessRule = {
    grants: ['marketer', { role: 'integrator', ownEndpoint: { query: 'endpointId' } }],
  };

  it('lets admin keys call every declared route, named or not', () => {
    expect(permissionOf(adminRule, 'admin')).toEqual({ allowed: true });
    expect(permissionOf(marketerRule, 'admin')).toEqual({ allowed: true });
    expect(permissionOf(scopedRule, 'admin')).toEqual({ allowed: true });
  });

  it('lets the other roles call only the routes that name them', () => {
    expect(permissionOf(marketerRule, 'marketer')).toEqual({ allowed: true });
    expect(permissionOf(marketerRule, 'integrator')).toEqual({ allowed: false });
    expect(permissionOf(adminRule, 'marketer')).toEqual({ allowed: false });
  });

  it('limits a role granted for its own endpoints to them, and no other role', () => {
    expect(permissionOf(scopedRule, 'integrator')).toEqual({
      allowed: true,
      ownEndpoint: { query: 'endpointId' },
    });
    expect(permissionOf(scopedRule, 'marketer')).toEqual({ allowed: true });
  });

  it('lets every role call a public route', () => {
    expect(permissionOf({ public: true }, 'integrator')).toEqual({ allowed: true });
  });
});
