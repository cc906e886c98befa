import { describe, expect, it } from 'vitest';

import { chatHostProblem } from './chat-hosts.js';
import { OutboundGuard } from './outbound-guard.js';

const strict = new OutboundGuard({ allowedHosts: [], allowedCidrs: [], allowHttp: false });

describe('chat destination hosts', () => {
  it("takes each service's own hosts", () => {
    for (const url of [
      'https://hooks.slack.com/services/T/B/x',
      'https://HOOKS.slack.com./services/T/B/x',
    ]) {
      expect(chatHostProblem('slack', url, strict)).toBeUndefined();
    }
    for (const url of [
      'https://prod-27.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=x',
      'https://default1234.ab.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/x',
      'https://contoso.webhook.office.com/webhookb2/x',
      'https://flow.microsoft.com/x',
    ]) {
      expect(chatHostProblem('teams', url, strict), url).toBeUndefined();
    }
  });

  it('refuses look-alikes and the other kind, saying how an operator allows a host', () => {
    for (const [kind, url] of [
      ['slack', 'https://hooks.slack.com.attacker.example/x'],
      ['slack', 'https://evilhooks.slack.com/x'],
      ['slack', 'https://slack.com/x'],
      ['teams', 'https://hooks.slack.com/services/x'],
      ['teams', 'https://logic.azure.com/x'],
      ['teams', 'https://xlogic.azure.com/x'],
      ['slack', 'https://[::1]/x'],
    ] as const) {
      expect(chatHostProblem(kind, url, strict), url).toMatch(/FLOWGATE_OUTBOUND_ALLOWED_HOSTS/);
    }
    expect(chatHostProblem('slack', 'not a url', strict)).toBe('The URL is not valid');
  });

  it('takes a host the operator names, or an address inside an allowed range (also IPv4-mapped)', () => {
    const guard = new OutboundGuard({
      allowedHosts: ['chat.internal.example', '*.mattermost.example'],
      allowedCidrs: ['10.1.0.0/16', 'fd00::/8'],
      allowHttp: true,
    });
    expect(
      chatHostProblem('slack', 'https://chat.internal.example/hooks/x', guard),
    ).toBeUndefined();
    expect(
      chatHostProblem('slack', 'https://team.mattermost.example/hooks/x', guard),
    ).toBeUndefined();
    expect(chatHostProblem('teams', 'http://10.1.2.3/hook', guard)).toBeUndefined();
    expect(chatHostProblem('teams', 'http://[::ffff:10.1.2.3]/hook', guard)).toBeUndefined();
    expect(chatHostProblem('teams', 'http://[fd00::5]/hook', guard)).toBeUndefined();
    // A public address is fine for the SSRF guard but not named by the operator: refused here.
    expect(chatHostProblem('slack', 'https://8.8.8.8/hook', guard)).toMatch(/not 8\.8\.8\.8/);
    expect(chatHostProblem('slack', 'http://10.2.0.1/hook', guard)).toMatch(/not 10\.2\.0\.1/);
  });
});
