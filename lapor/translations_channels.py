"""Texts of the channels (agency subdomains, Open311, notifications): Indonesian first, English beside it."""

CHANNEL_MESSAGES: dict[str, tuple[str, str]] = {
    # agency subdomains
    "subdomain.heading": ("Sampaikan laporan Anda kepada {agency}",
                          "Submit your report to {agency}"),
    "subdomain.intro": (
        "Laporan dari situs ini langsung diteruskan ke {agency}. Anda akan menerima nomor "
        "pelacakan untuk memantau tindak lanjutnya.",
        "Reports made on this site go straight to {agency}. You will get a tracking number "
        "to follow what is done about yours.",
    ),
    "subdomain.fixed_agency": ("Laporan dari situs ini selalu ditujukan ke instansi ini.",
                               "Reports from this site always go to this agency."),
    "subdomain.recent": ("Laporan terbaru untuk {agency}", "Recent reports for {agency}"),
    "subdomain.part_of": ("Situs pengaduan resmi {agency} di Lapor",
                          "{agency}'s official complaints site on Lapor"),
    "subdomain.unknown.title": ("Situs instansi tidak ditemukan", "Agency site not found"),
    "subdomain.unknown.body": (
        "Alamat {host} bukan situs instansi yang terdaftar di Lapor. Periksa kembali ejaan "
        "alamatnya, atau sampaikan laporan Anda melalui situs utama.",
        "{host} is not the address of an agency registered with Lapor. Check the spelling of "
        "the address, or submit your report on the main site.",
    ),
    "subdomain.unknown.home": ("Ke situs utama Lapor", "Go to the main Lapor site"),
    # Open311 GeoReport v2
    "open311.other": ("Lainnya", "Other"),
    "open311.type_attribute": ("Jenis laporan", "Report type"),
    "open311.status_notes": ("{label} ({state})", "{label} ({state})"),
    "open311.notice": ("Tindak lanjut dalam {days} hari kerja",
                       "Follow-up within {days} working days"),
    "open311.notice_extended": (
        "Tindak lanjut dalam {days} hari kerja, dapat diperpanjang hingga {extended} hari kerja",
        "Follow-up within {days} working days, extendable to {extended} working days",
    ),
    "open311.contact": ("Admin sistem Lapor, {site}", "The Lapor system administrators, {site}"),
    "open311.key_service": (
        "Minta api_key untuk aplikasi Anda kepada admin sistem Lapor "
        "(mereka menerbitkannya dengan: lapor apikeys create --name APLIKASI).",
        "Ask the Lapor system administrators for an api_key for your application "
        "(they issue it with: lapor apikeys create --name APP).",
    ),
    "open311.error.api_key": ("api_key tidak ada atau tidak berlaku.",
                              "The api_key is missing or not valid."),
    "open311.error.required": ("{field}: wajib diisi.", "{field}: required."),
    "open311.error.field": ("{field}: {message}", "{field}: {message}"),
    "open311.error.service": ("service_code '{code}' tidak dikenal.",
                              "Unknown service_code '{code}'."),
    "open311.error.jurisdiction": ("jurisdiction_id '{value}' tidak dikenal.",
                                   "Unknown jurisdiction_id '{value}'."),
    "open311.error.location": (
        "Lokasi wajib diisi: lat dan long, atau address_string.",
        "A location is required: lat and long, or address_string.",
    ),
    "open311.error.point": (
        "lat dan long harus diisi keduanya, sebagai angka: lat -90..90, long -180..180.",
        "lat and long must both be given, as numbers: lat -90..90, long -180..180.",
    ),
    "open311.error.media_url": ("media_url harus alamat http(s).",
                                "media_url must be an http(s) address."),
    "open311.error.body": (
        "Kirim kolom-kolom sebagai formulir (application/x-www-form-urlencoded) "
        "atau satu objek JSON.",
        "Send the fields as a form (application/x-www-form-urlencoded) or as one JSON object.",
    ),
    "open311.error.date": ("{field} bukan tanggal-waktu ISO 8601.",
                           "{field} is not an ISO 8601 date-time."),
    "open311.error.page_too_deep": (
        "page × page_size paling banyak {rows}; persempit start_date dan end_date untuk laporan yang lebih lama.",
        "page × page_size may be at most {rows}; narrow start_date and end_date for older requests.",
    ),
    "open311.error.window": (
        "end_date tidak boleh sebelum start_date, dan rentangnya paling lama 90 hari.",
        "end_date may not come before start_date, and they may be at most 90 days apart.",
    ),
    "open311.error.status": ("status harus open dan/atau closed.",
                             "status must be open and/or closed."),
    "open311.error.number": ("{field} harus bilangan bulat 1 sampai {max}.",
                             "{field} must be a whole number from 1 to {max}."),
    "open311.error.ids": ("Paling banyak {max} service_request_id sekaligus.",
                          "At most {max} service_request_id at once."),
    "open311.error.token": ("Token tidak dikenal.", "Unknown token."),
}
