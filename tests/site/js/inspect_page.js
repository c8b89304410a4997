async () => {
    // what a reader of this page gets: typeset math, loaded images, icons drawn, players,
    // and every byte the page loaded (itself and every resource, fonts included)
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
    // icons: Font Awesome's web fonts, drawn by the theme's CSS (no fontawesome.js)
    await document.fonts.ready;
    const icons = [...document.querySelectorAll('i[class*="fa-"]')].filter(el => el.offsetParent);
    const iconFonts = new Set(icons.map(el => getComputedStyle(el, '::before').fontFamily));
    const missingIcons = icons.filter(el => {
        const before = getComputedStyle(el, '::before');
        return !before.content || before.content === 'none' || before.content === 'normal';
    }).map(el => el.className);
    const unloadedFonts = [...iconFonts].filter(f => !document.fonts.check(
        (f.includes('Brands') ? '400' : '900') + ' 16px ' + f)).map(String);
    const widgetViews = document.querySelectorAll(
        'script[type="application/vnd.jupyter.widget-view+json"]').length;
    const widgetState = document.querySelectorAll(
        'script[type="application/vnd.jupyter.widget-state+json"]').length;
    const nav = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource').map(
        r => [r.name, r.decodedBodySize || r.transferSize || 0]);
    return {math: math.length, typeset: document.querySelectorAll('mjx-container').length,
            untypeset, mathErrors, raw, images: images.length, unloaded,
            icons: icons.length, missingIcons, unloadedFonts, widgetViews, widgetState,
            bytes: {page: nav ? nav.decodedBodySize : 0, resources},
            players: document.querySelectorAll('.optlib-player').length};
}
