"""Shipped dictionary of Indonesian SMS abbreviations and slang.

Expanded token by token after normalisation (see ``lapor.rules.normalise``).
Kept as a Python constant rather than a data file so it always ships with the
package. Format of ``TEXT``: one entry a line, ``short = expansion``; blank
lines and text after ``#`` are ignored. The short form must be a single word;
the expansion may be several words. Both sides are normalised (case, accents,
punctuation) when loaded, so ``Jl.`` and ``jl`` are the same entry. Expansion
is not recursive.

Admins extend the list per deployment: take
``lapor.rules.normalise.default_abbreviations()``, add or override entries (or
parse their own text with ``parse_abbreviations``) and pass the result as
``abbreviations=`` to ``compile_rules()`` or ``Normaliser()``.

Entries are deliberately conservative: a short form that is also a common
standard word or an ambiguous acronym (km: kilometre or kamu; smp: sampai or
the school level SMP; bpk, bkn, dpt, spt, tpi: bapak, bukan, dapat, seperti,
tapi, but also the BPK and BKN, the voters' list, the tax return and a fish
auction) is left out, because keywords are expanded the same way as texts and a
wrong expansion silently changes what a rule matches: a rule for "BPK" would
claim every report that says "bapak".
"""

TEXT = """\
# negation
tdk = tidak
gak = tidak
ga = tidak
gk = tidak
nggak = tidak
ngga = tidak
enggak = tidak
engga = tidak
kagak = tidak
tak = tidak
gpp = tidak apa apa

# relative words, prepositions, conjunctions
yg = yang
dgn = dengan
dg = dengan
utk = untuk
untk = untuk
krn = karena
karna = karena
tsb = tersebut
dr = dari
dri = dari
dlm = dalam
pd = pada
sm = sama
tp = tapi
jg = juga
klo = kalau
kalo = kalau
kl = kalau
jd = jadi
jdi = jadi
sbg = sebagai
pdhl = padahal
dll = dan lain lain
dsb = dan sebagainya

# aspect, modality, degree
sdh = sudah
udh = sudah
udah = sudah
blm = belum
blom = belum
sdg = sedang
hrs = harus
msh = masih
bs = bisa
bsa = bisa
emg = memang
lg = lagi
trs = terus
sj = saja
aja = saja
bgt = banget
bngt = banget
byk = banyak
bnyk = banyak
krg = kurang
sgr = segera
mhn = mohon
tlg = tolong
tlng = tolong

# questions
gmn = bagaimana
gimana = bagaimana
knp = kenapa
kpn = kapan
dmn = di mana

# people
sy = saya
sya = saya
aku = saya
gw = saya
gue = saya
kmi = kami
kt = kita
org = orang
pak = bapak

# time
kmrn = kemarin
kemaren = kemarin
skrg = sekarang
skrng = sekarang
sblm = sebelum
stlh = setelah
tgl = tanggal
thn = tahun
bln = bulan
mgg = minggu

# places and administrative areas
jln = jalan
jl = jalan
gg = gang
kab = kabupaten
kec = kecamatan
kel = kelurahan
prov = provinsi
rmh = rumah
sklh = sekolah
rs = rumah sakit
dkt = dekat
dpn = depan
sktr = sekitar

# courtesy
makasih = terima kasih
mksh = terima kasih
trims = terima kasih
trmksh = terima kasih
mslh = masalah
"""
