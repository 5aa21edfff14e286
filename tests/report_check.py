#!/usr/bin/env python3
"""report_check.py - opens a pardo report in headless Chromium and checks it.

Usage: report_check.py NAME REPORT.html OUTDIR [--charts A,B,...] [--leaves X,Y,...]

Chromium runs from file:// with the network off (a dead proxy, no name
resolution, and the DevTools protocol's offline mode), driven over
--remote-debugging-pipe with the standard library only.  Once the page says
it has drawn every chart (<html data-rendered>), or failed (data-failed),
this prints TAP lines ("ok - NAME: ..." / "not ok - ..." with "#" lines
saying why):
  - the page rendered, with no console message, exception, failed request
    or request that left the machine;
  - each chart container ([data-chart]) holds an svg or canvas with marks;
  - with --charts, exactly those charts are there;
  - with --leaves, the dendrogram's leaves from top to bottom and both axes
    of the distance heat map are in that order (file names).
It writes OUTDIR/NAME.png (a screenshot of the whole page), OUTDIR/NAME.dom.html
(the DOM after rendering) and OUTDIR/NAME.data/ID (the text of each embedded
<script id=ID> data element), which the shell test compares with pardo's
own records.  Exit status 0 when every check passed, 1 otherwise.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HANG_GUARD_S = 120      # only against a browser that never answers


class Browser:
    def __init__(self, exe, profile):
        self.to_r, self.to_w = os.pipe()
        self.from_r, self.from_w = os.pipe()
        args = [exe, '--headless=new', '--remote-debugging-pipe', '--no-sandbox',
                '--disable-gpu', '--no-first-run', '--no-default-browser-check',
                '--user-data-dir=' + profile, '--proxy-server=http://127.0.0.1:9',
                '--host-resolver-rules=MAP * ~NOTFOUND', '--disable-background-networking',
                '--disable-component-update', '--disable-sync', '--disable-extensions',
                '--disable-dev-shm-usage', '--mute-audio', '--hide-scrollbars',
                '--window-size=1280,900', 'about:blank']

        def fds():
            os.dup2(self.to_r, 3)
            os.dup2(self.from_w, 4)
        self.proc = subprocess.Popen(args, preexec_fn=fds, pass_fds=(3, 4),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(self.to_r)
        os.close(self.from_w)
        self.buf = b''
        self.next_id = 0
        self.events = []
        self.session = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        msg = {'id': self.next_id, 'method': method, 'params': params or {}}
        if session and self.session:
            msg['sessionId'] = self.session
        os.write(self.to_w, json.dumps(msg).encode() + b'\0')
        want = self.next_id
        while True:
            m = self.read()
            if m.get('id') == want:
                if 'error' in m:
                    raise RuntimeError('%s: %s' % (method, m['error']))
                return m.get('result', {})

    def read(self):
        deadline = time.monotonic() + HANG_GUARD_S
        while b'\0' not in self.buf:
            if time.monotonic() > deadline:
                raise RuntimeError('the browser did not answer')
            chunk = os.read(self.from_r, 1 << 20)
            if not chunk:
                raise RuntimeError('the browser closed the pipe')
            self.buf += chunk
        raw, self.buf = self.buf.split(b'\0', 1)
        m = json.loads(raw)
        if 'method' in m:
            self.events.append(m)
        return m

    def evaluate(self, expr):
        r = self.send('Runtime.evaluate', {'expression': expr, 'returnByValue': True,
                                           'awaitPromise': True})
        if 'exceptionDetails' in r:
            raise RuntimeError('evaluate: %s' % r['exceptionDetails'])
        return r['result'].get('value')

    def close(self):
        try:
            self.send('Browser.close', session=False)
        except RuntimeError:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


CHARTS_JS = r"""
(() => Array.from(document.querySelectorAll('[data-chart]')).map(box => {
  const svg = box.querySelector('svg.marks, canvas.marks, svg, canvas');
  const marks = svg ? svg.querySelectorAll('g.role-mark > path, g.role-mark > line,'
      + ' g.role-mark > text, g.role-mark > rect, g.role-mark > g, g.role-mark > circle').length : 0;
  const axes = Array.from(box.querySelectorAll('g.role-axis')).map(a =>
      Array.from(a.querySelectorAll('g.role-axis-label text')).map(t => t.textContent));
  const texts = Array.from(box.querySelectorAll('g.mark-text.role-mark text')).map(t => {
      const m = /translate\(([-0-9.e]+),\s*([-0-9.e]+)\)/.exec(t.getAttribute('transform') || '');
      return [t.textContent, m ? Number(m[2]) : 0];
  });
  return { name: box.dataset.chart, tag: svg ? svg.tagName.toLowerCase() : null,
           marks: marks, axes: axes, texts: texts };
}))()
"""


def tap(ok, name, why=()):
    print(('ok - ' if ok else 'not ok - ') + name)
    for line in () if ok else why:
        print('#   ' + str(line))
    return ok


def main(argv):
    name, html, outdir = argv[1], os.path.abspath(argv[2]), argv[3]
    opts = dict(zip(argv[4::2], argv[5::2]))
    exe = shutil.which('chromium') or shutil.which('chromium-browser') or shutil.which('google-chrome')
    if not exe:
        return 0 if tap(False, name + ': a browser', ['no chromium on PATH (make test-deps)']) else 1
    os.makedirs(os.path.join(outdir, name + '.data'), exist_ok=True)
    profile = tempfile.mkdtemp(prefix='pardo-chromium.')
    b = Browser(exe, profile)
    good = True
    try:
        target = b.send('Target.createTarget', {'url': 'about:blank'})['targetId']
        b.session = b.send('Target.attachToTarget', {'targetId': target, 'flatten': True})['sessionId']
        for domain in ('Runtime', 'Log', 'Network', 'Page'):
            b.send(domain + '.enable')
        b.send('Network.emulateNetworkConditions', {'offline': True, 'latency': 0,
                                                    'downloadThroughput': -1, 'uploadThroughput': -1})
        b.send('Emulation.setDeviceMetricsOverride', {'width': 1280, 'height': 900,
                                                      'deviceScaleFactor': 1, 'mobile': False})
        b.send('Page.navigate', {'url': 'file://' + html})
        state = None
        deadline = time.monotonic() + HANG_GUARD_S
        while state is None and time.monotonic() < deadline:
            state = b.evaluate("(d => !d || d.dataset === undefined ? null : "
                               "d.dataset.rendered !== undefined ? {rendered: d.dataset.rendered} : "
                               "d.dataset.failed !== undefined ? {failed: d.dataset.failed} : null)"
                               "(document.documentElement)")
            if state is None:
                time.sleep(0.2)
        good &= tap(state is not None and 'rendered' in state, name + ': the page drew its charts',
                    ['page state: %s' % state])
        charts = b.evaluate(CHARTS_JS) or []
        for c in charts:
            good &= tap(c['tag'] in ('svg', 'canvas') and c['marks'] > 0,
                        '%s: chart %s is drawn (%s, %d marks)' % (name, c['name'], c['tag'], c['marks']),
                        ['expected an svg or canvas with marks in [data-chart=%s]' % c['name']])
        if '--charts' in opts:
            want = sorted(opts['--charts'].split(','))
            got = sorted(c['name'] for c in charts)
            good &= tap(want == got, name + ': the expected charts',
                        ['expected: %s' % want, 'got:      %s' % got])
        if '--leaves' in opts:
            want = opts['--leaves'].split(',')
            byname = {c['name']: c for c in charts}
            dendro = byname.get('dendrogram', {}).get('texts', [])
            leaves = [t for t, y in sorted((t for t in dendro if t[0]), key=lambda t: t[1])]
            good &= tap(leaves == want, name + ': the dendrogram\'s leaves, top to bottom',
                        ['expected: %s' % want, 'got:      %s' % leaves])
            axes = byname.get('distance-matrix', {}).get('axes', [])
            good &= tap(len(axes) == 2 and all(a == want for a in axes),
                        name + ': the heat map\'s rows and columns in the order of the leaves',
                        ['expected both axes: %s' % want, 'got: %s' % axes])
        data = b.evaluate("Object.fromEntries(Array.from(document.querySelectorAll("
                          "'script[id^=pardo-]')).map(s => [s.id, s.textContent]))") or {}
        for key, value in data.items():
            with open(os.path.join(outdir, name + '.data', key), 'w') as f:
                f.write(value[1:] if value.startswith('\n') else value)
        with open(os.path.join(outdir, name + '.dom.html'), 'w') as f:
            f.write(b.evaluate('document.documentElement.outerHTML'))
        height = b.evaluate('Math.ceil(document.documentElement.scrollHeight)')
        b.send('Emulation.setDeviceMetricsOverride', {'width': 1280, 'height': min(int(height), 12000),
                                                      'deviceScaleFactor': 1, 'mobile': False})
        b.evaluate('new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))')
        shot = b.send('Page.captureScreenshot', {'format': 'png'})
        with open(os.path.join(outdir, name + '.png'), 'wb') as f:
            f.write(base64.b64decode(shot['data']))
        msgs, failed = [], []
        for e in b.events:
            m, p = e['method'], e.get('params', {})
            if m == 'Runtime.consoleAPICalled':
                msgs.append('console.%s: %s' % (p['type'], ' '.join(
                    str(a.get('value', a.get('description', ''))) for a in p.get('args', []))))
            elif m == 'Runtime.exceptionThrown':
                msgs.append('exception: %s' % p['exceptionDetails'].get('exception', {}).get(
                    'description', p['exceptionDetails'].get('text')))
            elif m == 'Log.entryAdded' and p['entry']['level'] in ('error', 'warning'):
                msgs.append('log %s: %s' % (p['entry']['level'], p['entry']['text']))
            elif m == 'Network.loadingFailed':
                failed.append('failed request: %s' % p.get('errorText'))
            elif m == 'Network.requestWillBeSent':
                url = p['request']['url']
                if not url.startswith(('file:', 'data:', 'blob:', 'about:')):
                    failed.append('request to the network: %s' % url)
        good &= tap(not msgs, name + ': the console is silent', msgs)
        good &= tap(not failed, name + ': no request failed or left the machine', failed)
    except (RuntimeError, OSError, ValueError, KeyError) as e:
        good = tap(False, name + ': the browser session', [repr(e)])
    finally:
        b.close()
        shutil.rmtree(profile, ignore_errors=True)
    return 0 if good else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv))
