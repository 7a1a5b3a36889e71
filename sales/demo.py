"""Sales demo data: tax codes, payment terms, price lists, about twenty customers, and quotations and
orders in every state, so that every department's inbox has realistic work after ``make run``.
Called at the end of ``erp.demo.load_demo``, after the inventory demo (whose receipts hold the stock
the orders reserve and ship).

Everything goes through the services (sales.services.*, inventory.services.deliveries), and the
events those publish (delivery note drafts, production and purchasing shortages, invoicing and
credit-note tasks) are handled here, in the loader's transaction, exactly as the worker would.

Idempotent: master data is keyed by code, documents by their customer reference, so a second run
creates nothing.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from erp import events
from erp.models import EventDelivery
from inventory import status as inventory_status
from inventory.models import Item, Location, UnitOfMeasure, Warehouse
from inventory.selectors import deliveries_for_source
from inventory.services import deliveries
from sales.errors import CreditLimitExceeded
from sales.models import Customer, PaymentTerm, PriceList, Quotation, SalesOrder, TaxCode
from sales.services import masterdata, orders, quotations, returns

D = Decimal

# (code, name, rate %, default)
TAX_CODES = [
    ("VAT5", "營業稅 5%", "5", True),
    ("ZERO", "零稅率（外銷）", "0", False),
]

# (code, name, days, from the end of the month)
PAYMENT_TERMS = [
    ("PREPAID", "款到發貨", 0, False),
    ("COD", "貨到付現", 0, False),
    ("EOM30", "月結30天", 30, True),
    ("EOM60", "月結60天", 60, True),
    ("EOM90", "月結90天", 90, True),
    ("NET30", "發票日後30天", 30, False),
]

# Prices before tax, per base unit: (item code, price, [(from quantity, price)] quantity breaks).
STANDARD_PRICES = [
    ("FG-PA-100", "1580", [("50", "1500"), ("100", "1450")]),
    ("FG-PA-200", "2350", [("30", "2250")]),
    ("FG-BH-100", "1980", []),
    ("FG-LM-30", "5800", []),
    ("FG-CP-12", "680", [("100", "620")]),
    ("FG-KIT-PA100", "290", []),
    ("STD-BRG-6201ZZ", "65", [("144", "58")]),
    ("STD-BRG-6202ZZ", "75", [("144", "68")]),
    ("STD-BRG-608ZZ", "32", []),
    ("CON-OIL-SLIDE", "260", []),
]
DEALER_PRICES = [  # about 10 % below the standard prices: a dealer's customers buy everything from this list
    ("FG-PA-100", "1420", [("50", "1350")]),
    ("FG-PA-200", "2120", []),
    ("FG-BH-100", "1780", []),
    ("FG-LM-30", "5250", []),
    ("FG-CP-12", "610", [("100", "560")]),
    ("FG-KIT-PA100", "260", []),
    ("STD-BRG-6201ZZ", "58", []),
    ("STD-BRG-6202ZZ", "68", []),
    ("STD-BRG-608ZZ", "29", []),
    ("CON-OIL-SLIDE", "235", []),
]
# (code, name, is default, notes, prices)
PRICE_LISTS = [
    ("STD", "標準售價", True, "一般客戶適用，未稅價。", STANDARD_PRICES),
    ("DLR", "經銷商價", False, "簽約經銷商適用，未稅價。", DEALER_PRICES),
]


@dataclass
class DemoCustomer:
    code: str
    name: str
    short_name: str
    tax_id: str
    address: str
    phone: str
    contact: tuple  # (name, job title, phone, email)
    term: str
    credit_limit: str | None
    owner: str = "sales"
    price_list: str | None = None
    tax_code: str | None = None
    shipping_address: str = ""
    notes: str = ""
    second_contact: tuple | None = None


CUSTOMERS = [
    DemoCustomer("C001", "聯程自動化股份有限公司", "聯程自動化", "52601813", "臺中市南屯區精科路 26 號",
                 "04-2350-1188", ("林志明", "採購經理", "04-2350-1188 #312", "purchase@lianchen-auto.com.tw"),
                 "EOM60", "1500000", second_contact=("黃雅婷", "資材專員", "04-2350-1188 #318",
                                                     "yt.huang@lianchen-auto.com.tw")),
    DemoCustomer("C002", "鴻昇精密機械股份有限公司", "鴻昇精密", "59083012", "臺中市大雅區科雅路 15 號",
                 "04-2565-7720", ("陳建宏", "採購課長", "04-2565-7720 #21", "jh.chen@hsprecision.com.tw"),
                 "EOM60", "2000000", shipping_address="臺中市大雅區科雅路 15 號 二廠收貨區"),
    DemoCustomer("C003", "東昊工業股份有限公司", "東昊工業", "66131860", "彰化縣和美鎮彰美路五段 88 號",
                 "04-755-3201", ("張家豪", "資材主任", "04-755-3201 #105", "purchasing@donghao.com.tw"),
                 "EOM30", "800000"),
    DemoCustomer("C004", "盛弘機電有限公司", "盛弘機電", "96030822", "新北市五股區五權路 52 號 3 樓",
                 "02-2298-6655", ("吳佩珊", "採購", "02-2298-6655 #16", "ps.wu@shenghong-me.com.tw"),
                 "EOM30", "600000"),
    DemoCustomer("C005", "祥鈺科技股份有限公司", "祥鈺科技", "46281942", "新竹縣湖口鄉光復北路 36 號",
                 "03-597-2288", ("劉冠廷", "採購副理", "03-597-2288 #230", "kt.liu@xiangyu-tech.com.tw"),
                 "EOM60", "1200000"),
    DemoCustomer("C006", "佳鼎自動化設備有限公司", "佳鼎自動化", "82199351", "桃園市龜山區興邦路 41 號",
                 "03-350-8866", ("蔡明哲", "廠長", "03-350-8866 #10", "mz.tsai@jiading-fa.com.tw"),
                 "EOM30", "500000"),
    DemoCustomer("C007", "台懋半導體設備股份有限公司", "台懋半導體", "18190930", "新竹市東區力行二路 12 號",
                 "03-578-1166", ("許書豪", "策略採購", "03-578-1166 #5521", "sh.hsu@taimao-semi.com.tw"),
                 "EOM90", "3000000", owner="salesmgr", notes="重點客戶：每季議價，交期優先。"),
    DemoCustomer("C008", "群翊工具機股份有限公司", "群翊工具機", "78657972", "臺中市太平區振興路 160 號",
                 "04-2277-3355", ("鄭宇翔", "採購工程師", "04-2277-3355 #62", "yx.cheng@chunyi-mt.com.tw"),
                 "EOM60", "1000000"),
    DemoCustomer("C009", "信昌包裝機械有限公司", "信昌包裝", "54323191", "臺南市安南區工業二路 18 號",
                 "06-384-0668", ("王淑芬", "會計兼採購", "06-384-0668", "xinchang.pack@msa.hinet.net"),
                 "EOM30", "300000"),
    DemoCustomer("C010", "嘉宏醫療器材股份有限公司", "嘉宏醫材", "48757492", "臺中市西屯區中科路 6 號",
                 "04-2463-5500", ("楊詠晴", "供應鏈管理師", "04-2463-5500 #407", "yc.yang@jiahong-med.com.tw"),
                 "EOM60", "900000"),
    DemoCustomer("C011", "南崗傳動股份有限公司", "南崗傳動", "11862520", "南投縣南投市南崗三路 70 號",
                 "049-225-1730", ("李俊傑", "採購經理", "049-225-1730 #30", "jj.lee@nankang-drive.com.tw"),
                 "EOM60", "1200000"),
    DemoCustomer("C012", "偉翔機器人股份有限公司", "偉翔機器人", "76018954", "高雄市路竹區路科三路 9 號",
                 "07-695-5158", ("周欣怡", "採購主管", "07-695-5158 #88", "xy.chou@weixiang-robot.com.tw"),
                 "EOM90", "2500000", owner="salesmgr"),
    DemoCustomer("C013", "全勝食品機械有限公司", "全勝食品機械", "55979712", "臺南市永康區環工路 33 號",
                 "06-253-7011", ("郭志成", "總經理", "06-253-7011", "quansheng.fm@gmail.com"),
                 "EOM30", "400000", owner="salesmgr"),
    DemoCustomer("C014", "力昕電子設備股份有限公司", "力昕電子", "14710490", "桃園市中壢區東園路 5 號",
                 "03-452-9900", ("謝孟君", "採購專員", "03-452-9900 #233", "mc.hsieh@lixin-eq.com.tw"),
                 "NET30", "700000"),
    DemoCustomer("C015", "久裕紡織機械股份有限公司", "久裕紡機", "74650751", "彰化縣彰化市彰南路二段 210 號",
                 "04-761-2345", ("洪國榮", "資材課長", "04-761-2345 #31", "kr.hung@jiuyu-tex.com.tw"),
                 "EOM60", "600000"),
    DemoCustomer("C016", "大鈞工業有限公司", "大鈞工業", "29170340", "臺中市神岡區大豐路五段 128 號",
                 "04-2562-8899", ("賴俊宏", "老闆", "0932-118-626", "dajun.ind@gmail.com"),
                 "EOM30", "350000", price_list="DLR", notes="簽約經銷商（中部）。"),
    DemoCustomer("C017", "益鋒航太零組件股份有限公司", "益鋒航太", "23667121", "臺中市沙鹿區中棲路 520 號",
                 "04-2662-3300", ("曾文彬", "採購經理", "04-2662-3300 #15", "wb.tseng@yifeng-aero.com.tw"),
                 "EOM90", "1800000"),
    DemoCustomer("C018", "凱碩雷射科技有限公司", "凱碩雷射", "76842684", "新北市樹林區佳園路三段 77 號",
                 "02-2688-1520", ("簡佳穎", "採購", "02-2688-1520 #12", "jy.chien@kaishuo-laser.com.tw"),
                 "NET30", "450000"),
    # A small shop with a low limit: its large order waits for the sales manager's approval.
    DemoCustomer("C019", "昱晟五金行", "昱晟五金", "46563214", "臺中市北屯區崇德路三段 455 號",
                 "04-2247-6180", ("宋昱晟", "負責人", "0921-556-087", "yusheng.hw@gmail.com"),
                 "COD", "30000", notes="小額現金客戶，信用額度 3 萬。"),
    DemoCustomer("C020", "旭東貿易有限公司", "旭東貿易", "22330791", "基隆市七堵區明德一路 230 號",
                 "02-2451-7700", ("游凱文", "業務經理", "02-2451-7700 #8", "kevin.yu@hsutung-trade.com.tw"),
                 "PREPAID", "200000", price_list="DLR"),
    DemoCustomer("C021", "Pacific Motion Systems Pte. Ltd.", "Pacific Motion", "",
                 "21 Woodlands Close, #07-12 Primz Bizhub, Singapore 737854", "+65 6363 2180",
                 ("Daniel Tan", "Procurement Manager", "+65 6363 2180", "daniel.tan@pacificmotion.com.sg"),
                 "NET30", "1000000", owner="salesmgr", tax_code="ZERO", notes="外銷新加坡，零稅率，FOB 台中港。"),
]

# Quotations: (customer reference = key, customer, user, days ago, valid days, what happens, lines, notes)
# Lines: (item code, quantity, unit code or None for the base unit, discount %).
QUOTATIONS = [
    ("RFQ-LC-2611-07", "C001", "sales", 2, 30, "draft",
     [("FG-LM-30", "4", None, "0"), ("FG-CP-12", "20", None, "0")], "新產線評估用，客戶預計下月決定。"),
    ("RFQ-NK-0045", "C011", "sales", 5, 30, "sent",
     [("FG-PA-200", "30", None, "0"), ("FG-KIT-PA100", "30", None, "0")], "報價含 30 組以上優惠價。"),
    ("TM-RFQ-88123", "C007", "salesmgr", 8, 45, "sent",
     [("FG-BH-100", "20", None, "3"), ("FG-KIT-PA100", "20", None, "0")], "季度議價：軸承座組 97 折。"),
    ("KL-Q-2611", "C014", "sales", 20, 30, "cancelled",
     [("FG-CP-12", "200", None, "0")], "客戶改採他廠，報價取消。"),
    # Converted into an order and confirmed: an in-stock line, a make line and a buy line.
    ("HS-PO-26-1138", "C002", "sales", 4, 30, "convert",
     [("FG-PA-100", "2", "BOX", "0"), ("FG-CP-12", "50", None, "0"), ("STD-BRG-6201ZZ", "4", "BOX", "0")],
     "二廠新機台用，聯軸器與軸承請一併出貨。"),
]


@dataclass
class DemoOrder:
    reference: str  # the customer's PO number: the demo's key
    customer: str
    user: str
    days_ago: int
    requested_in: int
    story: str  # draft, confirmed, partial, delivered, returned, closed, cancelled, credit_hold
    lines: list
    notes: str = ""
    warehouse: str = "WH-FG"
    picks: dict = field(default_factory=dict)  # partial: {item code: base quantity picked}
    returned: tuple = ()  # returned: (item code, quantity, location code, reason)


ORDERS = [
    DemoOrder("DH-PO-261104", "C003", "sales", 3, 0, "confirmed",
              [("FG-BH-100", "4", None, "0"), ("FG-KIT-PA100", "6", None, "0")], "請附出廠檢驗報告。"),
    DemoOrder("SH-2611-0321", "C004", "sales", 9, 2, "partial",
              [("FG-PA-200", "12", None, "0"), ("FG-KIT-PA100", "2", None, "0")],
              "可分批出貨，先到先出。", picks={"FG-PA-200": "8", "FG-KIT-PA100": "2"}),
    DemoOrder("XY-PO-7781", "C005", "sales", 14, 1, "returned",
              [("FG-PA-100", "1", "BOX", "0"), ("FG-KIT-PA100", "4", None, "0")], "",
              returned=("FG-PA-100", "2", "F-01", "外箱破損，2 組軸組外觀刮傷退回。")),
    DemoOrder("JD-26-0112", "C006", "sales", 12, 1, "delivered",
              [("FG-PA-100", "6", None, "0"), ("FG-KIT-PA100", "4", None, "0")], "送貨前請先電話聯絡廠長。"),
    DemoOrder("TM-PO-4500127", "C007", "salesmgr", 21, 1, "closed",
              [("FG-BH-100", "4", None, "0")], "已交貨結案。"),
    DemoOrder("CY-PO-1120", "C008", "sales", 6, 10, "cancelled",
              [("FG-LM-30", "1", None, "0")], "客戶專案延期，訂單取消。"),
    DemoOrder("YS-0001", "C019", "sales", 1, 7, "credit_hold",
              [("FG-LM-30", "6", None, "0")], "店面展示與轉售用，一次付清。"),
    DemoOrder("JH-PR-2611-09", "C010", "sales", 1, 21, "draft",
              [("FG-CP-12", "100", None, "0"), ("FG-PA-100", "10", None, "0")], "等待客戶確認規格圖面。"),
    DemoOrder("WX-PO-26-558", "C012", "salesmgr", 2, 14, "draft",
              [("FG-LM-30", "3", None, "5"), ("FG-BH-100", "6", None, "0")], "年度合約價：滑座 95 折。"),
    DemoOrder("PMS-PO-23017", "C021", "salesmgr", 4, 10, "confirmed",
              [("FG-PA-100", "6", None, "0"), ("FG-KIT-PA100", "4", None, "0")], "Export, FOB Taichung."),
    DemoOrder("DJ-1107", "C016", "sales", 2, 3, "confirmed",
              [("CON-OIL-SLIDE", "4", None, "0")], "滑軌油搭配滑座保養。", warehouse="WH-RM"),
]


@dataclass
class Context:
    company: object
    users: dict
    today: datetime.date
    units: dict = field(default_factory=dict)
    items: dict = field(default_factory=dict)
    customers: dict = field(default_factory=dict)
    created: int = 0

    def user(self, name):
        return self.users.get(name) or self.users["admin"]

    @property
    def keeper(self):
        return self.user("warehouse")

    def day(self, days_ago):
        return self.today - datetime.timedelta(days=days_ago)

    def lines(self, rows):
        result = []
        for code, quantity, unit, discount in rows:
            item = self.items[code]
            result.append({"item": item, "quantity": D(quantity), "unit": self.units[unit] if unit else item.base_unit,
                           "discount_percent": D(discount)})
        return result


def load_sales_demo(company, users):
    """Create (or complete) the demo company's sales; returns the number of records created.

    ``users``: {username: User} of the demo users: ``sales`` (the rep), ``salesmgr`` (the sales
    manager), ``warehouse`` (the keeper who picks, ships and takes returns back)."""
    ctx = Context(company=company, users=users, today=timezone.localdate())
    ctx.units = {u.code: u for u in UnitOfMeasure.objects.filter(company=company)}
    ctx.items = {i.code: i for i in Item.objects.filter(company=company).select_related("base_unit")}
    load_master_data(ctx)
    for row in QUOTATIONS:
        quotation_story(ctx, *row)
    for spec in ORDERS:
        order_story(ctx, spec)
    run_events(company)
    return ctx.created


# Master data -----------------------------------------------------------------------------------


def load_master_data(ctx):
    company, manager = ctx.company, ctx.user("salesmgr")
    existing = set(TaxCode.objects.filter(company=company).values_list("code", flat=True))
    for code, name, rate, default in TAX_CODES:
        if code not in existing:
            masterdata.tax_code_save(company=company, actor=manager, code=code, name=name, rate=D(rate),
                                     is_default=default)
            ctx.created += 1
    existing = set(PaymentTerm.objects.filter(company=company).values_list("code", flat=True))
    for code, name, days, end_of_month in PAYMENT_TERMS:
        if code not in existing:
            masterdata.payment_term_save(company=company, actor=manager, code=code, name=name, days=days,
                                         end_of_month=end_of_month)
            ctx.created += 1
    existing = set(PriceList.objects.filter(company=company).values_list("code", flat=True))
    for code, name, default, notes, prices in PRICE_LISTS:
        if code in existing:
            continue
        rows = []
        for item_code, price, breaks in prices:
            item = ctx.items[item_code]
            rows.append({"item": item, "unit": item.base_unit, "price": D(price)})
            rows += [{"item": item, "unit": item.base_unit, "price": D(p), "min_quantity": D(q)} for q, p in breaks]
        masterdata.price_list_save(company=company, actor=manager, code=code, name=name, is_default=default,
                                   currency=company.base_currency or "TWD", notes=notes, prices=rows)
        ctx.created += 1 + len(rows)
    load_customers(ctx)


def load_customers(ctx):
    company = ctx.company
    terms = {t.code: t for t in PaymentTerm.objects.filter(company=company)}
    price_lists = {p.code: p for p in PriceList.objects.filter(company=company)}
    tax_codes = {t.code: t for t in TaxCode.objects.filter(company=company)}
    ctx.customers = {c.code: c for c in Customer.objects.filter(company=company)}
    for spec in CUSTOMERS:
        if spec.code in ctx.customers:
            continue
        contacts = [{"name": spec.contact[0], "title": spec.contact[1], "phone": spec.contact[2],
                     "email": spec.contact[3], "is_primary": True}]
        if spec.second_contact:
            name, title, phone, email = spec.second_contact
            contacts.append({"name": name, "title": title, "phone": phone, "email": email, "is_primary": False})
        ctx.customers[spec.code] = masterdata.customer_create(
            company=company, actor=ctx.user("salesmgr"), contacts=contacts, code=spec.code, name=spec.name,
            short_name=spec.short_name, tax_id=spec.tax_id, billing_address=spec.address,
            shipping_address=spec.shipping_address or spec.address, phone=spec.phone, email=spec.contact[3],
            payment_term=terms[spec.term], credit_limit=D(spec.credit_limit) if spec.credit_limit else None,
            price_list=price_lists[spec.price_list] if spec.price_list else None,
            tax_code=tax_codes[spec.tax_code] if spec.tax_code else None, owner=ctx.user(spec.owner),
            notes=spec.notes,
        )
        ctx.created += 1 + len(contacts)


# Documents -------------------------------------------------------------------------------------


def run_events(company):
    """Handle the pending event deliveries of ``company`` now, as the worker would after commit:
    delivery note drafts and pick tasks, production and purchasing shortages, finance tasks."""
    for _round in range(5):  # a handler may publish further events
        pending = list(EventDelivery.objects.filter(status=EventDelivery.Status.PENDING, event__company=company)
                       .order_by("pk").values_list("pk", flat=True))
        if not pending:
            return
        for pk in pending:
            if events.deliver(pk) != "done":
                delivery = EventDelivery.objects.get(pk=pk)
                raise RuntimeError(f"demo event delivery {delivery} did not succeed:\n{delivery.last_error}")


def quotation_story(ctx, reference, customer_code, username, days_ago, valid_days, story, rows, notes):
    if Quotation.objects.filter(company=ctx.company, customer_reference=reference).exists():
        return
    actor, date = ctx.user(username), ctx.day(days_ago)
    quotation = quotations.quotation_save(
        company=ctx.company, actor=actor, customer=ctx.customers[customer_code], customer_reference=reference,
        document_date=date, valid_until=date + datetime.timedelta(days=valid_days), notes=notes,
        lines=ctx.lines(rows),
    )
    ctx.created += 1
    if story in ("sent", "convert"):
        quotations.quotation_send(quotation=quotation, actor=actor)
    if story == "cancelled":
        quotations.quotation_cancel(quotation=quotation, actor=actor, reason=notes)
    if story == "convert":
        order = quotations.quotation_convert(quotation=quotation, actor=actor,
                                             requested_date=ctx.today + datetime.timedelta(days=7))
        orders.order_confirm(order=order, actor=actor)
        run_events(ctx.company)
        ctx.created += 1


def order_story(ctx, spec):
    if SalesOrder.objects.filter(company=ctx.company, customer_reference=spec.reference).exists():
        return
    actor = ctx.user(spec.user)
    requested = ctx.today + datetime.timedelta(days=spec.requested_in)
    order = orders.order_save(
        company=ctx.company, actor=actor, customer=ctx.customers[spec.customer], customer_reference=spec.reference,
        document_date=ctx.day(spec.days_ago), requested_date=requested, notes=spec.notes,
        warehouse=Warehouse.objects.get(company=ctx.company, code=spec.warehouse), lines=ctx.lines(spec.lines),
    )
    ctx.created += 1
    if spec.story == "draft":
        return
    if spec.story == "credit_hold":
        try:
            orders.order_confirm(order=order, actor=actor)
        except CreditLimitExceeded:
            orders.credit_request_approval(order=order, actor=actor)  # an approval request for the sales managers
            return
        raise RuntimeError(f"demo order {spec.reference} was meant to exceed the credit limit")
    orders.order_confirm(order=order, actor=actor)
    run_events(ctx.company)  # the delivery note draft is made
    if spec.story == "cancelled":
        orders.order_cancel(order=order, actor=actor, reason=spec.notes)
    elif spec.story in ("partial", "delivered", "returned", "closed"):
        delivery = ship(ctx, order, spec.picks)
        run_events(ctx.company)  # finance gets the delivery to invoice
        if spec.story == "returned":
            take_back(ctx, delivery, *spec.returned)
        if spec.story == "closed":
            orders.order_close(order=order, actor=actor)


def ship(ctx, order, picks):
    """The keeper picks the delivery note draft (everything, or ``picks``: {item code: quantity}) and posts it."""
    delivery = deliveries_for_source(order).get(status=inventory_status.DocStatus.DRAFT, backorder_of__isnull=True)
    if picks:
        lines = [{"id": line.pk, "picked": D(picks.get(line.item.code, "0")), "location": line.location,
                  "lot": line.lot} for line in delivery.lines.select_related("item", "location", "lot")]
        deliveries.delivery_save_picks(delivery=delivery, lines=lines, actor=ctx.keeper)
    return deliveries.delivery_post(delivery=delivery, actor=ctx.keeper)


def take_back(ctx, delivery, item_code, quantity, location_code, reason):
    line = delivery.lines.get(item__code=item_code)
    location = Location.objects.get(warehouse=delivery.warehouse, code=location_code)
    customer_return = returns.return_save(
        company=ctx.company, actor=ctx.keeper, delivery=delivery, reason=reason,
        lines=[{"delivery_line": line, "quantity": D(quantity), "unit": line.item.base_unit, "location": location}],
    )
    returns.return_post(customer_return=customer_return, actor=ctx.keeper)
    run_events(ctx.company)  # finance gets the credit note to issue
    ctx.created += 1
