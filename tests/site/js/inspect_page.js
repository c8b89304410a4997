async () => {
    const skip = 'pre, code, script, style, textarea, mjx-container, .highlight';
    const math = [...document.querySelectorAll('.math')];
    const untypeset = math.filter(el => !el.querySelector('mjx-container'))
        .map(el => el.textContent.trim().slice(0, 80));
    const mathErrors = [...document.querySelectorAll('mjx-merror, [data-mjx-error]')]
        .map(el => el.getAttribute('data-mjx-error') || el.textContent.slice(0, 80));
    const raw = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        if (node.parentElement.closest(skip)) continue;
        if (/\$\$|\\\(|\\\[/.test(node.nodeValue)) raw.push(node.nodeValue.trim().slice(0, 80));
    }
    const images = [...document.images];
    images.forEach(img => { img.loading = 'eager'; });
    await Promise.all(images.map(img => img.decode().catch(() => null)));
    const unloaded = images.filter(img => !(img.complete && img.naturalWidth > 0))
        .map(img => (img.getAttribute('src') || '').slice(0, 80));
    const views = document.querySelectorAll(
        'script[type="application/vnd.jupyter.widget-view+json"]').length;
    const widgetErrors = [...document.querySelectorAll('.widget-subarea')]
        .filter(el => el.querySelector('.jupyter-widgets-error-widget')
                      || /Error displaying widget/.test(el.textContent)).length;
    return {math: math.length, typeset: document.querySelectorAll('mjx-container').length,
            untypeset, mathErrors, raw, images: images.length, unloaded, views, widgetErrors,
            players: document.querySelectorAll('.optlib-player').length};
}
