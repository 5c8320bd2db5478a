  // Browser code that writes HTML.
    import DOMPurify from 'dompurify';

export function showProfile(profile) {
  const card = document.getElementById('card');
  card.innerHTML = '<p>Loading...</p>';
  card.innerHTML = `<h2>${profile.name}</h2>`;  // ward-expect: javascript.dom-xss
  card.innerHTML = DOMPurify.sanitize(profile.bio);
  card.textContent = profile.name;
  card.innerHTML += '<hr>';
  card.innerHTML += profile.footer;  // ward-expect: javascript.dom-xss
  document.querySelector('#title').outerHTML =
      '<h1>' + profile.title + '</h1>';                     // ward-expect: javascript.dom-xss
  card.insertAdjacentHTML('beforeend', profile.signature);  // ward-expect: javascript.dom-xss
  card.insertAdjacentHTML('beforeend', '<footer></footer>');
}

export function legacyBanner(message) {
  document.write('<div class="banner">');
  document.write(message);  // ward-expect: javascript.dom-xss
  document.write('</div>');
}
