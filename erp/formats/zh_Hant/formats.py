# Taiwan: 2026/11/25, 1,234,567.00 (Django's own zh formats group by 4 without a separator).
DATE_FORMAT = "Y/m/d"
SHORT_DATE_FORMAT = "Y/m/d"
DATETIME_FORMAT = "Y/m/d H:i"
SHORT_DATETIME_FORMAT = "Y/m/d H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "Y/m"
MONTH_DAY_FORMAT = "m/d"
FIRST_DAY_OF_WEEK = 0
DATE_INPUT_FORMATS = ["%Y/%m/%d", "%Y-%m-%d", "%Y%m%d"]
DATETIME_INPUT_FORMATS = ["%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
