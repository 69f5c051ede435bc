/** shell.openExternal gets allow-listed https URLs only. */
import { describe, expect, it } from 'vitest';
import { isAllowedExternalUrl } from './externalLinks';

describe('isAllowedExternalUrl', () => {
  it.each(['https://huggingface.co/timm/resnet50.a1_in1k', 'https://github.com/huggingface/pytorch-image-models', 'https://timm.fast.ai/'])('allows %s', (url) => {
    expect(isAllowedExternalUrl(url)).toBe(true);
  });

  it.each([
    ['plain http', 'http://huggingface.co/'],
    ['another host', 'https://evil.example/'],
    ['a look-alike subdomain', 'https://huggingface.co.evil.example/'],
    ['a subdomain of an allowed host', 'https://gist.github.com/'],
    ['credentials (phishing form)', 'https://huggingface.co@evil.example/'],
    ['credentials on an allowed host', 'https://user:pw@github.com/'],
    ['file://', 'file:///etc/passwd'],
    ['javascript:', 'javascript:alert(1)'],
    ['a custom scheme', 'ms-msdt:/id PCWDiagnostic'],
    ['smb://', 'smb://github.com/share'],
    ['not a URL', 'github.com'],
  ])('refuses %s', (_label, url) => {
    expect(isAllowedExternalUrl(url)).toBe(false);
  });
});
