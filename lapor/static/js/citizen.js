// Check attachments before sending, so a too-large file never costs the citizen their text.
(function () {
  var input = document.getElementById('attachments');
  if (!input) return;
  input.addEventListener('change', function () {
    var limit = +input.dataset.maxBytes, message = '';
    if (input.files.length > +input.dataset.maxFiles) message = input.dataset.tooMany;
    for (var i = 0; i < input.files.length; i++) {
      if (input.files[i].size > limit) message = input.dataset.tooLarge + ' ' + input.files[i].name;
    }
    input.setCustomValidity(message);
    if (message) input.reportValidity();
  });
})();
