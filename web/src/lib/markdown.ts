/**
 * A request's message as HTML: markdown rendered by marked, then sanitized by DOMPurify, so that whatever a DAG
 * author or an upstream agent wrote (a `<script>`, an `onerror=`, a `javascript:` link) never runs in an approver's
 * browser. Links open in a new tab without access to this one.
 */
import DOMPurify from 'dompurify';
import { marked } from 'marked';

let hooked = false;

export function renderMarkdown(text: string): string {
  if (!hooked) {
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A' && node.hasAttribute('href')) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer');
      }
      // An image without a text alternative (an agent's reasoning may carry one) is marked as decoration rather
      // than left for a screen reader to spell out its address.
      if (node.tagName === 'IMG' && !node.hasAttribute('alt')) node.setAttribute('alt', '');
    });
    hooked = true;
  }
  const html = marked.parse(text, { async: false, gfm: true, breaks: true });
  return DOMPurify.sanitize(html, {
    USE_PROFILES: { html: true },
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select'],
  });
}
