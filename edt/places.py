"""The ten Phase II districts and the short codes used in batch and participant codes."""

DISTRICTS = {
    "Dhaka": "DHA",
    "Manikganj": "MAN",
    "Narsingdi": "NAR",
    "Faridpur": "FAR",
    "Shariatpur": "SHA",
    "Jashore": "JAS",
    "Satkhira": "SAT",
    "Khulna": "KHU",
    "Jhenaidah": "JHE",
    "Cox's Bazar": "COX",
}

DISTRICT_CHOICES = [(name, name) for name in DISTRICTS]
