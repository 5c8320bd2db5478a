  // Request data that flows through variables into sinks (the -flow taint rules).
    const express = require('express');
const fs = require('fs');
const path = require('path');
const mysql = require('mysql');
const escapeHtml = require('escape-html');
const axios = require('axios');

const app = express();
const db = mysql.createConnection({host: 'localhost'});

app.get('/user', (req, res) => {
  const name = req.query.name;
  const sql = 'SELECT * FROM users WHERE name = \'' + name + '\'';
  db.query(sql, (err, rows) => res.json(rows));  // ward-expect: javascript.sql-injection-flow
  db.query('SELECT * FROM users WHERE name = ?', [name], (err, rows) => res.json(rows));
  const id = parseInt(req.params.id, 10);
  db.query('SELECT * FROM users WHERE id = ' + id, (err, rows) => res.json(rows));
});

app.get('/file', (req, res) => {
  const file = path.join('/srv/files', req.query.file);
  fs.readFile(
      file,
      (err, data) => res.json({size: data.length}));  // ward-expect: javascript.path-traversal-flow
  const safe = path.join('/srv/files', path.basename(req.query.file));
  fs.readFile(safe, (err, data) => res.json({size: data.length}));
  const stream = fs.createReadStream(
      '/srv/files/' + req.params.name);  // ward-expect: javascript.path-traversal-flow
  stream.pipe(res);
});

app.get('/hello', (req, res) => {
  const who = req.query.who;
  res.send('<h1>Hello ' + who + '</h1>');  // ward-expect: javascript.xss-flow
  res.send('<h1>Hello ' + escapeHtml(who) + '</h1>');
  res.send('<h1>Hello world</h1>');
});

app.get('/login', (req, res) => {
  const next = req.query.next;
  res.redirect(next);  // ward-expect: javascript.open-redirect-flow
  res.redirect('/home?from=' + encodeURIComponent(next));
});

app.get('/preview', async (req, res) => {
  const target = req.query.url;
  const page = await fetch(target);             // ward-expect: javascript.ssrf-flow
  const feed = await axios.get(req.body.feed);  // ward-expect: javascript.ssrf-flow
  const search = await fetch('https://api.example.com/search?q=' + encodeURIComponent(target));
  const status = await fetch('https://api.example.com/status');
  res.json({page: page.status, feed: feed.status, search: search.status, status: status.status});
});

app.post('/sign-in', async (req, res) => {
  const users = db.collection('users');
  const match = await users.findOne({
    name: req.body.name,
    password: req.body.password
  });  // ward-expect: javascript.nosql-injection-flow
  const typed = await users.findOne({name: String(req.body.name)});
  const first = [3, 5, 8].find((n) => n > Number(req.body.minimum));
  res.json({found: Boolean(match || typed), first});
});

app.listen(3000);
