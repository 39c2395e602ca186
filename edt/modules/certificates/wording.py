"""The training's name as the certificate prints it, for pages that show it without drawing a PDF
(the verify page), so they need not load ReportLab."""
TRAINING = "Entrepreneurship Development Training \u2014 10 days"
TRAINING_BN = "উদ্যোক্তা উন্নয়ন প্রশিক্ষণ \u2014 ১০ দিন"
