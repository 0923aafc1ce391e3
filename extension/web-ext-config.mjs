// web-ext settings for `npm run lint` and `npm run package`: only the files the
// browser loads go into the zip (web-ext already leaves out node_modules and dotfiles).
export default {
  sourceDir: '.',
  artifactsDir: 'dist',
  ignoreFiles: [
    'dist',
    'test',
    'scripts',
    'package.json',
    'package-lock.json',
    'README.md',
    'web-ext-config.mjs',
  ],
  build: {
    filename: 'parallax-extension-{version}.zip',
    overwriteDest: true,
  },
  lint: {
    selfHosted: false,
  },
};
