  // An Express service with the usual Node.js pitfalls.
    const express = require('express');
const cors = require('cors');
const session = require('express-session');
const crypto = require('crypto');
const {exec, execFile, spawn} = require('child_process');
const https = require('https');
const vm = require('vm');
const jwt = require('jsonwebtoken');

const app = express();
app.use(
    cors({origin: '*', credentials: true}));  // ward-expect: javascript.cors-wildcard-credentials
app.use(cors({origin: ['https://app.example.com'], credentials: true}));
app.use(cors({origin: '*'}));
app.use(session({
  secret: process.env.SESSION_SECRET,
  cookie: {
    secure: false,  // ward-expect: javascript.insecure-cookie
    httpOnly: true,
  },
}));

app.get('/files', (req, res) => {
  exec('ls -l /srv/files', (err, out) => res.send(out));
  exec(
      `ls -l /srv/files/${req.query.dir}`,
      (err, out) => res.send(out));  // ward-expect: javascript.command-injection
  exec(
      'du -sh ' + req.query.dir,
      (err, out) => res.send(out));  // ward-expect: javascript.command-injection
  execFile('ls', ['-l', req.query.dir], (err, out) => res.send(out));
  spawn(
      req.query.tool, [req.query.dir], {shell: true});  // ward-expect: javascript.command-injection
  spawn('ls', [req.query.dir]);
});

app.post('/login', (req, res) => {
  const token = crypto.randomBytes(32).toString('hex');
  res.cookie(
      'session', token,
      {httpOnly: false, secure: true});  // ward-expect: javascript.insecure-cookie
  res.cookie('session', token, {httpOnly: true, secure: true, sameSite: 'lax'});
  res.send('ok');
});

app.post('/calc', (req, res) => {
  const result = eval(req.body.expression);  // ward-expect: javascript.code-injection
  const fixed = eval('2 + 2');
  const fn = new Function('a', 'b', req.body.body);  // ward-expect: javascript.code-injection
  const add = new Function('a', 'b', 'return a + b');
  setTimeout('refresh(' + req.body.id + ')', 100);  // ward-expect: javascript.code-injection
  setTimeout(() => refresh(req.body.id), 100);
  vm.runInNewContext(req.body.script, {});  // ward-expect: javascript.code-injection
  res.json({result, fixed, fn: typeof fn, add: add(1, 2)});
});

function fingerprint(data) {
  crypto.createHash('sha256').update(data).digest('hex');
  return crypto.createHash('md5').update(data).digest('hex');  // ward-expect: javascript.weak-hash
}

function legacyEtag(data) {
  return crypto.createHash('SHA1').update(data).digest(
      'base64');  // ward-expect: javascript.weak-hash
}

function encrypt(text, password, key, iv) {
  const old = crypto.createCipher('aes-256-cbc', password);  // ward-expect: javascript.weak-cipher
  const des =
      crypto.createCipheriv('des-ede3-cbc', key, iv);  // ward-expect: javascript.weak-cipher
  const ecb =
      crypto.createCipheriv('aes-128-ecb', key, null);  // ward-expect: javascript.weak-cipher
  const gcm = crypto.createCipheriv('aes-256-gcm', key, iv);
  return [old, des, ecb, gcm].map((c) => c.update(text, 'utf8', 'hex'));
}

function newRequestId() {
  const weak = Math.random().toString(36).slice(2);  // ward-expect: javascript.weak-random
  return weak + crypto.randomUUID();
}

function fetchInternal(url) {
  const agent = new https.Agent(
      {rejectUnauthorized: false});  // ward-expect: javascript.tls-verification-disabled
  const strict = new https.Agent({rejectUnauthorized: true});
  return https.get(url, {agent: strict || agent});
}

if (process.env.ALLOW_SELF_SIGNED) {
  process.env.NODE_TLS_REJECT_UNAUTHORIZED =
      '0';  // ward-expect: javascript.tls-verification-disabled
}

function verify(token, key) {
  jwt.verify(
      token, key, {algorithms: ['HS256', 'none']});  // ward-expect: javascript.jwt-none-algorithm
  return jwt.verify(token, key, {algorithms: ['RS256']});
}

app.listen(3000);
